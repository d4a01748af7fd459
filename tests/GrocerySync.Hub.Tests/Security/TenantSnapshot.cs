using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace GrocerySync.Hub.Tests.Security;

/// <summary>
/// Every row of one retailer, in every table of the model that has a <c>RetailerId</c> (plus the retailer
/// itself), with all column values. Read from the EF model, so a table added later is included unasked.
/// </summary>
internal sealed class TenantSnapshot
{
    private TenantSnapshot(SortedDictionary<string, string> rows, HashSet<string> ids)
    {
        Rows = rows;
        Ids = ids;
    }

    /// <summary>"Job#0193…" → "Name=…; Version=2; UpdatedAt=…".</summary>
    public SortedDictionary<string, string> Rows { get; }

    /// <summary>Every GUID key of the retailer's rows, as it appears in JSON.</summary>
    public HashSet<string> Ids { get; }

    public static Task<TenantSnapshot> TakeAsync(HubApp app, Guid retailerId) => app.QueryDbAsync(async db =>
    {
        var rows = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { retailerId.ToString() };
        var types = db.Model.GetEntityTypes().Where(t => !t.IsOwned() && !t.HasSharedClrType).OrderBy(t => t.Name, StringComparer.Ordinal);
        foreach (var type in types)
        {
            var filter = type.ClrType == typeof(Retailer) ? type.FindProperty(nameof(Retailer.Id)) : type.FindProperty("RetailerId");
            if (filter is null)
            {
                continue;
            }

            var load = typeof(TenantSnapshot).GetMethod(nameof(LoadAsync), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type.ClrType);
            var entities = await (Task<List<object>>)load.Invoke(null, [db, filter, retailerId])!;
            foreach (var entity in entities)
            {
                var entry = db.Entry(entity);
                var key = string.Join(",", type.FindPrimaryKey()!.Properties.Select(p => Format(entry.Property(p.Name).CurrentValue)));
                rows[$"{type.ClrType.Name}#{key}"] = string.Join("; ", type.GetProperties().Select(p => $"{p.Name}={Format(entry.Property(p.Name).CurrentValue)}"));
                foreach (var keyProperty in type.FindPrimaryKey()!.Properties.Where(p => p.ClrType == typeof(Guid)))
                {
                    ids.Add(entry.Property(keyProperty.Name).CurrentValue!.ToString()!);
                }
            }
        }

        return new TenantSnapshot(rows, ids);
    });

    /// <summary>What differs from <paramref name="before"/>: rows added, removed or changed.</summary>
    public IEnumerable<string> DifferencesFrom(TenantSnapshot before)
    {
        foreach (var (key, values) in before.Rows)
        {
            if (!Rows.TryGetValue(key, out var now))
            {
                yield return $"row {key} was deleted";
            }
            else if (now != values)
            {
                yield return $"row {key} changed:\n    before: {values}\n    after:  {now}";
            }
        }

        foreach (var key in Rows.Keys.Except(before.Rows.Keys))
        {
            yield return $"row {key} was added: {Rows[key]}";
        }
    }

    private static async Task<List<object>> LoadAsync<T>(HubDbContext db, IProperty property, Guid retailerId)
        where T : class
    {
        // e => EF.Property<TProperty>(e, "RetailerId") == retailerId, shadow properties and Guid? included.
        var entity = Expression.Parameter(typeof(T), "e");
        var value = Expression.Call(typeof(EF), nameof(EF.Property), [property.ClrType], entity, Expression.Constant(property.Name));
        var predicate = Expression.Lambda<Func<T, bool>>(Expression.Equal(value, Expression.Constant(retailerId, property.ClrType)), entity);
        var list = await db.Set<T>().IgnoreQueryFilters().Where(predicate).ToListAsync();
        return [.. list.Cast<object>()];
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
