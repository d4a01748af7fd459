using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GrocerySync.Hub.Data;

// Used by `dotnet ef migrations add` only: each provider's context gets its own migrations folder.
// See docs/development.md for the commands.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteHubDbContext>
{
    public SqliteHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteHubDbContext>().UseSqlite("Data Source=design.db").Options, SystemUser(), TimeProvider.System);

    internal static CurrentUser SystemUser()
    {
        var user = new CurrentUser();
        user.SetSystem();
        return user;
    }
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresHubDbContext>
{
    public PostgresHubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresHubDbContext>().UseNpgsql("Host=localhost;Database=design").Options, SqliteDesignTimeFactory.SystemUser(), TimeProvider.System);
}
