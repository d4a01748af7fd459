using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GrocerySync.Hub.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

internal static class DatabaseExtensions
{
    /// <summary>The connection string that selects PostgreSQL; without it the hub uses embedded SQLite.</summary>
    public const string PostgresConnectionName = "Postgres";

    public static DatabaseProvider ProviderFor(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration.GetConnectionString(PostgresConnectionName)) ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres;

    /// <summary>
    /// Registers <see cref="HubDbContext"/> with every registered <see cref="ISaveChangesInterceptor"/> (the audit trail is one) on PostgreSQL when <c>ConnectionStrings:Postgres</c> is set,
    /// else on a SQLite file in the data folder.
    /// </summary>
    public static IServiceCollection AddHubDatabase(this IServiceCollection services, IConfiguration configuration, HubOptions hub, IHostEnvironment environment)
    {
        services.AddScoped<CurrentUser>();
        if (ProviderFor(configuration) == DatabaseProvider.Postgres)
        {
            var connectionString = configuration.GetConnectionString(PostgresConnectionName)!;
            services.AddDbContext<HubDbContext, PostgresHubDbContext>((sp, o) => o.UseNpgsql(connectionString).AddInterceptors(sp.GetServices<ISaveChangesInterceptor>()));
        }
        else
        {
            var file = Path.Combine(DataDirectory.Resolve(hub, environment), "hub.db");
            services.AddDbContext<HubDbContext, SqliteHubDbContext>((sp, o) => o.UseSqlite($"Data Source={file};Pooling=True").AddInterceptors(sp.GetServices<ISaveChangesInterceptor>()));
        }

        return services;
    }

    /// <summary>Brings the schema up to date; safe to call on every start.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        await db.Database.MigrateAsync(ct);
    }
}
