using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sql.Tests;

/// <summary>
/// There is no SQL Server here: these tests drive the real SqlClient path (provider factory, connection string,
/// parameter binding, connect) up to the network, where a closed port must become a clear <see cref="PluginException"/>.
/// </summary>
public sealed class SqlServerPathTests
{
    private const string Unreachable = "Server=tcp:127.0.0.1,1;Database=shop;User ID=sa;Password=S3cretSqlPw!;Connect Timeout=2;Encrypt=false";

    [Fact]
    public async Task An_unreachable_SQL_Server_fails_the_connection_test_with_a_clear_message()
    {
        await using var source = SqlSourceTests.CreateSource("sqlserver", Unreachable, "SELECT sku FROM products WHERE store = @store", """{"store": 3}""");

        var result = await source.TestConnectionAsync(TestContext.Current.CancellationToken);

        Assert.False(result.Success);
        Assert.StartsWith("Cannot connect to the SQL Server server", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cretSqlPw", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_from_an_unreachable_SQL_Server_throws_PluginException()
    {
        await using var source = SqlSourceTests.CreateSource("sqlserver", Unreachable, "SELECT sku FROM products");

        var ex = await Assert.ThrowsAsync<PluginException>(() => new TestReadContext(new FieldMapping()).ReadAllAsync(source));

        Assert.Contains("SQL Server", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_connection_string_is_reported_without_its_content()
    {
        var ex = Assert.Throws<PluginException>(() => SqlProviders.CreateConnection(SqlProvider.SqlServer, "Server=x;Pasword=S3cretSqlPw!;Bogus Key=1"));

        Assert.Contains("malformed", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cretSqlPw", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlserver", "Microsoft.Data.SqlClient.SqlConnection")]
    [InlineData("postgresql", "Npgsql.NpgsqlConnection")]
    [InlineData("mysql", "MySqlConnector.MySqlConnection")]
    [InlineData("SQLite", "Microsoft.Data.Sqlite.SqliteConnection")]
    public void Each_provider_name_selects_its_ADO_NET_driver(string name, string connectionType)
    {
        using var connection = SqlProviders.CreateConnection(SqlProviders.Get(name), "");
        Assert.Equal(connectionType, connection.GetType().FullName);
    }

    [Theory]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{\"a\": ", "not valid JSON")]
    [InlineData("{\"bad name\": 1}", "letters, digits")]
    [InlineData("{\"a\": [1]}", "string, number, boolean or null")]
    public void Malformed_parameters_are_rejected_with_the_reason(string json, string expected)
    {
        var ex = Assert.Throws<PluginException>(() => SqlSourceOptions.ParseParameters(json));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_keep_their_JSON_types()
    {
        var p = SqlSourceOptions.ParseParameters("""{"store": 12, "price": 1.5, "on": true, "name": "x", "none": null}""");

        Assert.Equal(
            [new("store", 12L), new("price", 1.5m), new("on", true), new("name", "x"), new KeyValuePair<string, object?>("none", null)],
            p);
    }
}
