using System.Data.Common;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sql;

/// <summary>A database server type the SQL source talks to.</summary>
internal enum SqlProvider
{
    PostgreSql,
    SqlServer,
    MySql,
    Sqlite,
}

internal static class SqlProviders
{
    public static IReadOnlyList<string> Names { get; } = ["postgresql", "sqlserver", "mysql", "sqlite"];

    public static SqlProvider Get(string name) => name.ToLowerInvariant() switch
    {
        "postgresql" => SqlProvider.PostgreSql,
        "sqlserver" => SqlProvider.SqlServer,
        "mysql" => SqlProvider.MySql,
        "sqlite" => SqlProvider.Sqlite,
        _ => throw new PluginException($"Provider '{name}' is not supported; use one of {string.Join(", ", Names)}."),
    };

    public static string DisplayName(SqlProvider provider) => provider switch
    {
        SqlProvider.PostgreSql => "PostgreSQL",
        SqlProvider.SqlServer => "SQL Server",
        SqlProvider.MySql => "MySQL/MariaDB",
        _ => "SQLite",
    };

    public static DbProviderFactory Factory(SqlProvider provider) => provider switch
    {
        SqlProvider.PostgreSql => Npgsql.NpgsqlFactory.Instance,
        SqlProvider.SqlServer => Microsoft.Data.SqlClient.SqlClientFactory.Instance,
        SqlProvider.MySql => MySqlConnector.MySqlConnectorFactory.Instance,
        _ => Microsoft.Data.Sqlite.SqliteFactory.Instance,
    };

    /// <summary>Creates an unopened connection; a malformed connection string becomes a <see cref="PluginException"/>.</summary>
    public static DbConnection CreateConnection(SqlProvider provider, string connectionString)
    {
        var connection = Factory(provider).CreateConnection()
            ?? throw new InvalidOperationException($"The {DisplayName(provider)} provider created no connection.");
        try
        {
            connection.ConnectionString = connectionString;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            connection.Dispose();

            // The provider's message may quote the connection string, which holds the password: keep only the kind of error.
            throw new PluginException($"The {DisplayName(provider)} connection string is malformed ({ex.GetType().Name}). Check setting 'connectionString'.");
        }

        return connection;
    }
}
