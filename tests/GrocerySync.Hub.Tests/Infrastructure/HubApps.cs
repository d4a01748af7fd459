using System.Collections.Concurrent;
using System.Reflection;
using GrocerySync.Hub.Data;
using Xunit.Sdk;
using Xunit.v3;

[assembly: AssemblyFixture(typeof(GrocerySync.Hub.Tests.Infrastructure.HubApps))]

namespace GrocerySync.Hub.Tests.Infrastructure;

/// <summary>One running hub per database provider, started on first use and shared by the assembly.</summary>
public sealed class HubApps : IAsyncDisposable
{
    private readonly ConcurrentDictionary<DatabaseProvider, Lazy<Task<HubApp>>> _apps = new();

    internal Task<HubApp> GetAsync(DatabaseProvider provider) =>
        _apps.GetOrAdd(provider, p => new Lazy<Task<HubApp>>(() => HubApp.StartAsync(p))).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps.Values.Where(a => a.IsValueCreated))
        {
            if (app.Value.IsCompletedSuccessfully)
            {
                await app.Value.Result.DisposeAsync();
            }
        }
    }
}

/// <summary>
/// Runs a theory once per database provider: SQLite always, PostgreSQL when GS_TEST_POSTGRES is set
/// (skipped otherwise, failed instead when GS_TEST_REQUIRE_SERVICES=1).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DatabaseDataAttribute : DataAttribute
{
    public override ValueTask<IReadOnlyCollection<ITheoryDataRow>> GetData(MethodInfo testMethod, DisposalTracker disposalTracker) =>
        ValueTask.FromResult<IReadOnlyCollection<ITheoryDataRow>>(
        [
            new TheoryDataRow<DatabaseProvider>(DatabaseProvider.Sqlite),
            new TheoryDataRow<DatabaseProvider>(DatabaseProvider.Postgres),
        ]);

    public override bool SupportsDiscoveryEnumeration() => true;
}
