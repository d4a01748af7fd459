using System.ComponentModel;
using System.Linq.Expressions;
using GrocerySync.Contracts;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Api;

/// <summary>Paging, search and ordering shared by every list endpoint.</summary>
internal sealed record ListQuery
{
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;

    /// <summary>1-based page number.</summary>
    [Description("1-based page number.")]
    public int? Page { get; init; }

    /// <summary>Items per page, capped at 200.</summary>
    [Description("Items per page (default 50, capped at 200).")]
    public int? PageSize { get; init; }

    /// <summary>Case-insensitive text to look for in the resource's name-like fields.</summary>
    [Description("Case-insensitive text to look for in the resource's name-like fields.")]
    public string? Search { get; init; }

    /// <summary>Comma-separated fields; a leading '-' sorts descending, e.g. <c>-createdAt,name</c>.</summary>
    [Description("Comma-separated fields to order by; a leading '-' sorts descending, e.g. -createdAt,name.")]
    public string? Ordering { get; init; }

    public int EffectivePage => Math.Max(Page ?? 1, 1);

    public int EffectivePageSize => Math.Clamp(PageSize ?? DefaultPageSize, 1, MaxPageSize);
}

/// <summary>The orderings a list allows, by public field name, and its default order.</summary>
internal sealed class Ordering<T>(string defaultField, LambdaExpression uniqueKey)
{
    /// <summary>An ordering whose default field is <paramref name="defaultField"/>; <paramref name="uniqueKey"/> breaks ties.</summary>
    public static Ordering<T> By<TKey>(string defaultField, Expression<Func<T, TKey>> uniqueKey) => new(defaultField, uniqueKey);

    private readonly Dictionary<string, LambdaExpression> _fields = new(StringComparer.OrdinalIgnoreCase);

    public Ordering<T> Add<TKey>(string name, Expression<Func<T, TKey>> key)
    {
        _fields[name] = key;
        return this;
    }

    /// <summary>Applies <paramref name="ordering"/>; returns an error message when it names an unknown field.</summary>
    public IQueryable<T> Apply(IQueryable<T> query, string? ordering, out string? error)
    {
        error = null;
        var terms = string.IsNullOrWhiteSpace(ordering)
            ? [defaultField]
            : ordering.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        IOrderedQueryable<T>? ordered = null;
        foreach (var term in terms)
        {
            var descending = term.StartsWith('-');
            var name = descending ? term[1..] : term;
            if (!_fields.TryGetValue(name, out var key))
            {
                error = $"Unknown ordering field '{name}'. Allowed: {string.Join(", ", _fields.Keys)}.";
                return query;
            }

            ordered = OrderBy(ordered ?? query, key, descending, ordered is not null);
        }

        // A unique last key keeps pages stable when the chosen fields tie.
        return OrderBy(ordered!, uniqueKey, descending: false, then: true);
    }

    private static IOrderedQueryable<T> OrderBy(IQueryable<T> source, LambdaExpression key, bool descending, bool then)
    {
        var method = (then, descending) switch
        {
            (false, false) => nameof(Queryable.OrderBy),
            (false, true) => nameof(Queryable.OrderByDescending),
            (true, false) => nameof(Queryable.ThenBy),
            (true, true) => nameof(Queryable.ThenByDescending),
        };
        var call = Expression.Call(typeof(Queryable), method, [typeof(T), key.ReturnType], source.Expression, Expression.Quote(key));
        return (IOrderedQueryable<T>)source.Provider.CreateQuery<T>(call);
    }
}

internal static class PagingExtensions
{
    /// <summary>Orders, counts and fetches one page, projected to DTOs by the database.</summary>
    public static async Task<Outcome<PagedResult<TDto>>> ToPageAsync<T, TDto>(
        this IQueryable<T> filtered, ListQuery list, Ordering<T> ordering, Expression<Func<T, TDto>> projection, CancellationToken ct)
    {
        var ordered = ordering.Apply(filtered, list.Ordering, out var error);
        if (error is not null)
        {
            return Outcome.Invalid("ordering", error);
        }

        var total = await filtered.CountAsync(ct);
        var items = await ordered
            .Skip((list.EffectivePage - 1) * list.EffectivePageSize)
            .Take(list.EffectivePageSize)
            .Select(projection)
            .ToListAsync(ct);
        return new PagedResult<TDto>(items, list.EffectivePage, list.EffectivePageSize, total);
    }
}
