using System.Data.Common;
using GrocerySync.Tests.Shared;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;

namespace GrocerySync.Plugins.Sql.Tests;

/// <summary>
/// An isolated database per test: a fresh schema on PostgreSQL, a fresh database on MariaDB, a fresh file for
/// SQLite, so tests run in parallel. Disposing drops it.
/// </summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    private readonly Func<Task> _drop;

    private TestDatabase(string provider, string connectionString, Func<Task> drop)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _drop = drop;
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    /// <summary>Column type of a date-time in this provider's dialect.</summary>
    public string DateTimeType => Provider switch { "postgresql" => "TIMESTAMP", _ => "DATETIME" };

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        var name = "gs_t_" + Guid.NewGuid().ToString("N")[..16];
        var ct = TestContext.Current.CancellationToken;
        switch (provider)
        {
            case "postgresql":
                {
                    var admin = ServiceGate.Require("GS_TEST_POSTGRES");
                    await ExecuteAsync(new NpgsqlConnection(admin), $"CREATE SCHEMA {name}", ct);
                    var cs = new NpgsqlConnectionStringBuilder(admin) { SearchPath = name, Pooling = false }.ConnectionString;
                    return new TestDatabase(provider, cs, () => ExecuteAsync(new NpgsqlConnection(admin), $"DROP SCHEMA {name} CASCADE", CancellationToken.None));
                }

            case "mysql":
                {
                    var admin = ServiceGate.Require("GS_TEST_MARIADB");
                    await ExecuteAsync(new MySqlConnection(admin), $"CREATE DATABASE {name}", ct);
                    var cs = new MySqlConnectionStringBuilder(admin) { Database = name, Pooling = false }.ConnectionString;
                    return new TestDatabase(provider, cs, () => ExecuteAsync(new MySqlConnection(admin), $"DROP DATABASE {name}", CancellationToken.None));
                }

            case "sqlite":
                {
                    var file = Path.Combine(Path.GetTempPath(), name + ".db");
                    var cs = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString;
                    return new TestDatabase(provider, cs, () =>
                    {
                        File.Delete(file);
                        return Task.CompletedTask;
                    });
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, null);
        }
    }

    public DbConnection Connect() => Provider switch
    {
        "postgresql" => new NpgsqlConnection(ConnectionString),
        "mysql" => new MySqlConnection(ConnectionString),
        _ => new SqliteConnection(ConnectionString),
    };

    public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = Connect();
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (n, v) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = n;
            p.Value = v ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Creates the products table and fills it with <paramref name="count"/> generated rows.</summary>
    public async Task CreateProductsAsync(int count)
    {
        await ExecuteAsync(
            $"CREATE TABLE products (sku VARCHAR(40) NOT NULL, product_name VARCHAR(200), regular_price DECIMAL(10,2), " +
            $"sale_start DATE, updated_at {DateTimeType}, store_id INT, qty DECIMAL(10,3), active BOOLEAN, note VARCHAR(100))");
        for (var start = 1; start <= count; start += 500)
        {
            var end = Math.Min(count, start + 499);
            var values = string.Join(", ", Enumerable.Range(start, end - start + 1).Select(i =>
                $"('SKU{i:D6}', 'Product {i}', {i % 100}.{i % 100:D2}, {(i % 2 == 0 ? "'2025-03-0" + ((i % 9) + 1) + "'" : "NULL")}, " +
                $"'2025-01-02 03:04:05', {(i % 3) + 1}, {i % 7}.5, {(i % 5 == 0 ? "FALSE" : "TRUE")}, NULL)"));
            await ExecuteAsync($"INSERT INTO products VALUES {values}");
        }
    }

    public async ValueTask DisposeAsync() => await _drop();

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using (connection)
        {
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
