using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sql.Tests;

/// <summary>The SQL source against real servers: PostgreSQL and MariaDB (gated by GS_TEST_*), SQLite in-process.</summary>
public sealed class SqlSourceTests
{
    private static readonly SqlSourceFactory Factory = new();

    public static TheoryData<string> Providers => ["postgresql", "mysql", "sqlite"];

    public static ISourceConnector CreateSource(string provider, string connectionString, string query, string? parameters = null, int batchSize = 4096)
    {
        var settings = PluginSettings.Create(Factory.Manifest, new Dictionary<string, string?>
        {
            ["provider"] = provider,
            ["connectionString"] = connectionString,
            ["query"] = query,
            ["parameters"] = parameters,
            ["batchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        return Factory.Create(settings);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Streams_the_query_in_batches_with_canonical_text(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.CreateProductsAsync(2500);
        await using var source = CreateSource(
            provider,
            db.ConnectionString,
            "SELECT sku, product_name AS name, regular_price, sale_start, updated_at, qty AS quantity_on_hand, active, note AS description " +
            "FROM products WHERE store_id = @store ORDER BY sku",
            """{"store": 2}""",
            batchSize: 200);
        var context = new TestReadContext(new FieldMapping());

        var (rows, sizes, lines) = await context.ReadAllAsync(source);

        // store_id = (i % 3) + 1 = 2 for i = 1, 4, 7, …: 834 of 2500 rows.
        Assert.Equal(834, rows.Count);
        Assert.True(sizes.Count >= 5, $"expected several batches, got {sizes.Count}");
        Assert.All(sizes, s => Assert.InRange(s, 1, 200));
        Assert.Equal(Enumerable.Range(1, 834).Select(i => (long)i), lines);
        Assert.Empty(context.Rejects);
        Assert.True(context.BytesRead > 0);

        var first = rows[0]; // i = 1
        Assert.Equal("SKU000001", first[(int)CanonicalField.Sku]);
        Assert.Equal("Product 1", first[(int)CanonicalField.Name]);
        Assert.Equal("1.01", first[(int)CanonicalField.RegularPrice]);
        Assert.False(first.ContainsKey((int)CanonicalField.SaleStart), "NULL must arrive as an empty field");
        Assert.False(first.ContainsKey((int)CanonicalField.Description));
        Assert.StartsWith("1.5", first[(int)CanonicalField.QuantityOnHand], StringComparison.Ordinal);
        Assert.Contains(first[(int)CanonicalField.Active], new[] { "true", "1" });

        var second = rows[1]; // i = 4: sale 2025-03-05, price 4.04
        Assert.Equal("SKU000004", second[(int)CanonicalField.Sku]);
        Assert.Equal("4.04", second[(int)CanonicalField.RegularPrice]);
        Assert.Equal("2025-03-05", second[(int)CanonicalField.SaleStart]);
        var expectedUpdated = provider == "sqlite" ? "2025-01-02 03:04:05" : "2025-01-02T03:04:05.0000000";
        Assert.Equal(expectedUpdated, second[(int)CanonicalField.UpdatedAt]);

        var inactive = rows.Single(r => r[(int)CanonicalField.Sku] == "SKU000010"); // 10 % 5 == 0
        Assert.Contains(inactive[(int)CanonicalField.Active], new[] { "false", "0" });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Parameters_are_bound_as_values_never_spliced_into_the_sql(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.CreateProductsAsync(20);
        const string query = "SELECT sku, product_name AS name FROM products WHERE product_name = @name";

        await using var injected = CreateSource(provider, db.ConnectionString, query, """{"name": "x' OR '1'='1"}""");
        var (none, _, _) = await new TestReadContext(new FieldMapping()).ReadAllAsync(injected);
        Assert.Empty(none);

        await using var exact = CreateSource(provider, db.ConnectionString, query, """{"@name": "Product 7"}""");
        var (one, _, _) = await new TestReadContext(new FieldMapping()).ReadAllAsync(exact);
        Assert.Equal("SKU000007", Assert.Single(one)[(int)CanonicalField.Sku]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_explicit_mapping_maps_columns_and_attributes_by_name(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.CreateProductsAsync(3);
        await using var source = CreateSource(provider, db.ConnectionString, "SELECT * FROM products ORDER BY sku");
        var mapping = new FieldMapping(
            new Dictionary<CanonicalField, string>
            {
                [CanonicalField.Sku] = "SKU",
                [CanonicalField.Name] = "product_name",
                [CanonicalField.RegularPrice] = "regular_price",
            },
            [new("store", "store_id")]);

        var (rows, _, _) = await new TestReadContext(mapping).ReadAllAsync(source);

        Assert.Equal(3, rows.Count);
        Assert.Equal("Product 3", rows[2][(int)CanonicalField.Name]);
        Assert.Equal("1", rows[2][CanonicalFields.Count]); // attribute 0 = store_id; i = 3 → (3 % 3) + 1
        Assert.False(rows[2].ContainsKey((int)CanonicalField.QuantityOnHand), "unmapped columns must not be read into the batch");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_mapped_column_missing_from_the_result_is_a_clear_error(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.CreateProductsAsync(1);
        await using var source = CreateSource(provider, db.ConnectionString, "SELECT sku, product_name FROM products");
        var mapping = new FieldMapping(new Dictionary<CanonicalField, string> { [CanonicalField.Sku] = "sku", [CanonicalField.Name] = "title" });

        var ex = await Assert.ThrowsAsync<PluginException>(() => new TestReadContext(mapping).ReadAllAsync(source));

        Assert.Contains("'title'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TestConnection_describes_the_query_or_reports_the_servers_error(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.CreateProductsAsync(1);
        var ct = TestContext.Current.CancellationToken;

        await using var good = CreateSource(provider, db.ConnectionString, "SELECT sku, product_name AS name FROM products WHERE store_id = @store", """{"store": 1}""");
        var ok = await good.TestConnectionAsync(ct);
        Assert.True(ok.Success, ok.Message);
        Assert.Contains("sku, name", ok.Message, StringComparison.Ordinal);

        await using var bad = CreateSource(provider, db.ConnectionString, "SELECT sku FROM no_such_table");
        var failed = await bad.TestConnectionAsync(ct);
        Assert.False(failed.Success);
        Assert.Contains("no_such_table", failed.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<PluginException>(() => new TestReadContext(new FieldMapping()).ReadAllAsync(bad));
    }

    [Theory]
    [InlineData("postgresql", "GS_TEST_POSTGRES")]
    [InlineData("mysql", "GS_TEST_MARIADB")]
    public async Task Refused_credentials_fail_the_test_without_showing_the_password(string provider, string variable)
    {
        var cs = GrocerySync.Tests.Shared.ServiceGate.Require(variable);
        var wrong = provider == "postgresql"
            ? new Npgsql.NpgsqlConnectionStringBuilder(cs) { Password = "Wr0ngPassw0rd!" }.ConnectionString
            : new MySqlConnector.MySqlConnectionStringBuilder(cs) { Password = "Wr0ngPassw0rd!" }.ConnectionString;
        await using var source = CreateSource(provider, wrong, "SELECT 1 AS sku");

        var result = await source.TestConnectionAsync(TestContext.Current.CancellationToken);

        Assert.False(result.Success);
        Assert.StartsWith("Cannot connect to the", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Wr0ngPassw0rd", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_connection_string_is_a_secret_setting()
    {
        var settings = PluginSettings.Create(Factory.Manifest, new Dictionary<string, string?>
        {
            ["provider"] = "sqlite",
            ["connectionString"] = "Data Source=x.db;Password=hunter2",
            ["query"] = "SELECT 1",
        });

        Assert.True(settings.IsSecret("connectionString"));
        Assert.DoesNotContain("hunter2", settings.ToString(), StringComparison.Ordinal);
    }
}
