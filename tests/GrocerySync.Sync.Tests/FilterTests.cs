using System.Globalization;
using System.Text;
using System.Text.Json;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Plugins.Feeds;

namespace GrocerySync.Sync.Tests;

/// <summary>
/// The record filters (departments, categories, stores, activeOnly, changedSince) run through the engine with the
/// delimited-file source, the json-lines adapter and the folder destination: what reaches the feed file and the counts.
/// </summary>
public sealed class FilterTests
{
    // The A..H rows of the category theory: exact categories, subcategories, a sibling that shares a prefix without the
    // slash, a level without a slash and one in lower case.
    private static readonly Row[] CategoryRows =
    [
        new("A") { Category = "Dairy/Milk" },
        new("B") { Category = "Dairy/Cheese" },
        new("C") { Category = "Dairy/Cheese/Hard" },
        new("D") { Department = "Produce", Category = "Produce/Fruit" },
        new("E") { Category = "dairy/yogurt" },
        new("F") { Category = "DairyFree/Oat" },
        new("G") { Department = "Bakery", Category = "Bakery/Bread" },
        new("H") { Department = "Bakery", Category = "Bakery" },
    ];

    [Theory]
    [InlineData("Dairy/Cheese", "B")] // exact: neither its subcategories nor its siblings
    [InlineData("dairy/CHEESE", "B")] // exact, ASCII case-insensitive
    [InlineData("Dairy/*", "A,B,C,E")] // prefix: every level below, any case; not DairyFree
    [InlineData("DAIRY/ch*", "B,C")] // prefix inside a level, any case
    [InlineData("Bakery/*", "G")] // the prefix includes the slash: "Bakery" itself does not match
    [InlineData(" Produce/Fruit |Bakery/* ", "D,G")] // several values are an OR; values are trimmed
    [InlineData("*/Cheese", "")] // only a trailing * is a pattern; a leading one is taken literally
    public async Task Category_filter_selects_exact_categories_and_trailing_star_prefixes(string categories, string expected)
    {
        using var f = NewFixture();
        Write(f, CategoryRows);

        var s = await f.RunAsync(j => j with { Filters = new RecordFilterOptions { Categories = categories.Split('|') } });

        var want = expected.Length == 0 ? [] : expected.Split(',');
        Assert.Equal(SyncRunStatus.Succeeded, s.Status);
        Assert.Equal(want, SentKeys(f));
        Assert.Equal(CategoryRows.Length, s.Counts.Read);
        Assert.Equal(want.Length, s.Counts.Written);
        Assert.Equal(CategoryRows.Length - want.Length, s.Counts.Filtered);
        Assert.Equal(want.Length, s.Counts.Catalog);
        Assert.Equal(0, s.Counts.Rejected);
    }

    [Fact]
    public async Task Category_and_department_filters_match_non_ascii_names_ignoring_case()
    {
        Row[] rows =
        [
            new("A") { Department = "Crèmerie", Category = "Crèmerie/Lait" },
            new("B") { Department = "Crèmerie", Category = "Crèmerie/Beurre" },
            new("C") { Department = "Épicerie", Category = "Épicerie/Sucre" },
            new("D") { Category = "Dairy/Milk" },
        ];

        // Control: an exact non-ASCII category is found.
        using (var exact = NewFixture())
        {
            Write(exact, rows);
            var s = await exact.RunAsync(j => j with { Filters = new RecordFilterOptions { Categories = ["Crèmerie/Lait"] } });
            Assert.Equal(["A"], SentKeys(exact));
            Assert.Equal(3, s.Counts.Filtered);
        }

        // The documented prefix pattern, written in the very case of the data.
        using var f = NewFixture();
        Write(f, rows);
        var prefix = await f.RunAsync(j => j with { Filters = new RecordFilterOptions { Categories = ["Crèmerie/*"] } });

        Assert.Equal(["A", "B"], SentKeys(f));
        Assert.Equal(2, prefix.Counts.Written);
        Assert.Equal(2, prefix.Counts.Filtered);

        // Case is ignored beyond ASCII too: é matches É, in a prefix and in an exact department.
        using var folded = NewFixture();
        Write(folded, rows);
        await folded.RunAsync(j => j with { Filters = new RecordFilterOptions { Categories = ["épicerie/*", "CRÈMERIE/BEURRE"] } });
        Assert.Equal(["B", "C"], SentKeys(folded));
        using var department = NewFixture();
        Write(department, rows);
        await department.RunAsync(j => j with { Filters = new RecordFilterOptions { Departments = ["crèmerie"] } });
        Assert.Equal(["A", "B"], SentKeys(department));
    }

    [Fact]
    public async Task Store_filter_writes_only_rows_of_the_listed_stores_and_counts_the_others_as_filtered()
    {
        using var f = NewFixture(RecordKeyKind.SkuAndStore);
        Row[] rows =
        [
            new("P1") { Store = "S001" },
            new("P1") { Store = "S002" },
            new("P1") { Store = "S003" },
            new("P2") { Store = "S001" },
            new("P2") { Store = "S002" },
            new("P2") { Store = "s003" },
            new("P3") { Store = "S0021" }, // shares a prefix with S002: stores compare whole
        ];
        Write(f, rows);

        var s = await f.RunAsync(j => j with { Filters = new RecordFilterOptions { Stores = ["S002", " S003 "] } });

        Assert.Equal(SyncRunStatus.Succeeded, s.Status);
        Assert.Equal(["P1@S002", "P1@S003", "P2@S002", "P2@s003"], SentKeys(f, withStore: true));
        Assert.Equal(7, s.Counts.Read);
        Assert.Equal(4, s.Counts.Written);
        Assert.Equal(3, s.Counts.Filtered);
        Assert.Equal(4, s.Counts.Catalog);
        Assert.Empty(DeletedKeys(f, withStore: true));
    }

    [Fact]
    public async Task Department_category_store_and_active_filters_combine_as_and()
    {
        using var f = NewFixture();
        Row[] rows =
        [
            new("K1") { Category = "Dairy/Milk" },
            new("X1") { Department = "Produce", Category = "Dairy/Milk" }, // department only fails
            new("X2") { Category = "Bakery/Bread" }, // category only fails
            new("X3") { Category = "Dairy/Milk", Store = "S002" }, // store only fails
            new("X4") { Category = "Dairy/Milk", Active = "N" }, // active only fails
            new("K2") { Department = "DAIRY", Category = "Dairy/Cheese/Hard", Store = "s001" },
            new("X5") { Department = "Produce", Category = "Produce/Fruit", Store = "S002", Active = "N" }, // all fail
        ];
        Write(f, rows);

        var s = await f.RunAsync(j => j with
        {
            Filters = new RecordFilterOptions { Departments = ["Dairy"], Categories = ["Dairy/*"], Stores = ["S001"], ActiveOnly = true },
        });

        Assert.Equal(SyncRunStatus.Succeeded, s.Status);
        Assert.Equal(["K1", "K2"], SentKeys(f));
        Assert.Equal(2, s.Counts.Written);
        Assert.Equal(5, s.Counts.Filtered);
        Assert.Equal(2, s.Counts.Catalog);
    }

    [Fact]
    public async Task Changed_since_last_run_sends_everything_first_then_only_rows_updated_since_the_previous_run_started()
    {
        using var f = NewFixture();

        // The filters as a spec states them; every clock reading moves time on, so the previous run's commit comes
        // well after its start.
        var spec = JobSpecReader.Parse(
            """
            {
              "job": "test-job", "stateFolder": "state",
              "source": { "plugin": "delimited-file" }, "adapter": { "plugin": "json-lines" }, "destination": { "plugin": "folder" },
              "filters": { "activeOnly": true, "changedSince": "lastRun" }
            }
            """,
            f.Root);
        Assert.True(spec.Filters.ChangedSinceLastRun);
        f.Job = f.Job with { Filters = spec.Filters, MaxChangeShare = 1 };
        f.Time.AutoAdvanceAmount = TimeSpan.FromMinutes(1);

        Row[] first =
        [
            new("A") { Updated = "2026-11-01" },
            new("B") { Updated = "2026-11-25T10:00:00Z" },
            new("C") { Updated = "2026-11-20" },
            new("D") { Updated = "2026-11-24T23:00:00Z" },
            new("F") { Updated = "2026-11-01", Active = "N" },
            new("G") { Updated = "2026-11-01" },
        ];
        Write(f, first);
        var s1 = await f.RunAsync();

        // No state yet: no window, every eligible row (the inactive one is still filtered) goes out.
        Assert.Equal(SyncRunStatus.Succeeded, s1.Status);
        Assert.Equal(["A", "B", "C", "D", "G"], SentKeys(f));
        Assert.Equal(1, s1.Counts.Filtered);

        f.Time.Advance(TimeSpan.FromDays(1));
        var start = s1.StartedAt;
        Row[] second =
        [
            new("A") { Updated = "2026-11-01", Price = 9m }, // changed, but not stamped: outside the window
            new("B") { Updated = Stamp(start.AddSeconds(30)), Price = 9m }, // after the previous start, before its commit
            new("C") { Updated = Stamp(start), Price = 9m }, // exactly at the previous start: "at or after"
            new("D") { Updated = Stamp(start.AddMilliseconds(-1)), Price = 9m }, // just before: outside
            new("F") { Updated = "2026-11-01", Active = "N" },
            new("E") { Updated = Stamp(start.AddHours(1)) }, // new
            new("G") { Price = 9m }, // no updatedAt: nothing tells it is old, so it is sent
        ];
        Write(f, second);
        var s2 = await f.RunAsync();

        Assert.Equal(SyncRunStatus.Succeeded, s2.Status);
        Assert.Equal(["B", "C", "E", "G"], SentKeys(f));
        Assert.Empty(DeletedKeys(f));
        Assert.Equal(4, s2.Counts.Written);
        Assert.Equal(0, s2.Counts.Deleted);
        Assert.Equal(0, s2.Counts.DeletionsWritten);
        Assert.Equal(3, s2.Counts.Filtered); // A and D carried, F inactive
        Assert.Equal(6, s2.Counts.Catalog); // A and D keep their last committed state

        // A and D kept what was committed for them, so a run without the window sends their unsent changes, and
        // nothing else.
        var s3 = await f.RunAsync(j => j with { Filters = new RecordFilterOptions { ActiveOnly = true } });
        Assert.Equal(SyncRunStatus.Succeeded, s3.Status);
        Assert.Equal(["A", "D"], SentKeys(f));
        Assert.Equal(2, s3.Counts.Changed);
        Assert.Equal(4, s3.Counts.Unchanged);
        Assert.Equal(0, s3.Counts.Deleted);
    }

    [Fact]
    public async Task Narrowing_a_filter_reports_the_rows_it_now_leaves_out_as_deleted()
    {
        using var f = NewFixture();
        var rows = Enumerable.Range(0, 10).Select(i => new Row($"R{i}") { Store = i < 8 ? "S001" : "S002" }).ToArray();
        Write(f, rows);
        var s1 = await f.RunAsync(j => j with { Filters = new RecordFilterOptions { Stores = ["S001", "S002"] } });
        Assert.Equal(10, s1.Counts.Written);

        // 2 of 10 (20 %) leave the channel: within the default guard rail of 30 %.
        var s2 = await f.RunAsync(j => j with { Filters = new RecordFilterOptions { Stores = ["S001"] } });

        Assert.Equal(SyncRunStatus.Succeeded, s2.Status);
        Assert.Equal(["R8", "R9"], DeletedKeys(f));
        Assert.Equal(2, s2.Counts.Deleted);
        Assert.Equal(2, s2.Counts.DeletionsWritten);
        Assert.Equal(2, s2.Counts.Filtered);
        Assert.Equal(8, s2.Counts.Catalog);
        Assert.Equal(0.2, s2.ChangeShare, 6);

        // A changed filter is part of the spec fingerprint: the rows still selected are sent once more.
        Assert.Equal(8, s2.Counts.Written);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"R{i}"), SentKeys(f));

        // Once deleted they stay out; the next run with the same filter sends nothing.
        var s3 = await f.RunAsync(j => j with { Filters = new RecordFilterOptions { Stores = ["S001"] } });
        Assert.Equal(0, s3.Counts.Written);
        Assert.Equal(0, s3.Counts.Deleted);
        Assert.Equal(8, s3.Counts.Unchanged);
        Assert.Empty(f.OutLines);
    }

    [Fact]
    public async Task Narrowing_a_filter_past_the_guard_rail_publishes_nothing_until_approved()
    {
        using var f = NewFixture();
        var rows = Enumerable.Range(0, 10).Select(i => new Row($"R{i}") { Department = i % 2 == 0 ? "Dairy" : "Produce" }).ToArray();
        Write(f, rows);
        await f.RunAsync();
        var feed = f.OutLines;
        var state = File.ReadAllBytes(f.StateFile);
        var dairyOnly = new RecordFilterOptions { Departments = ["Dairy"] };

        // Half the catalog would leave the channel: above 30 %. The resend caused by the changed filter is not counted.
        var stopped = await f.RunAsync(j => j with { Filters = dairyOnly });

        Assert.Equal(SyncRunStatus.NeedsApproval, stopped.Status);
        Assert.Contains("delete 5 of 10", stopped.Message, StringComparison.Ordinal);
        Assert.Equal(0.5, stopped.ChangeShare, 6);
        Assert.Equal(5, stopped.Counts.Deleted);
        Assert.Equal(0, stopped.Counts.Written);
        Assert.Equal(0, stopped.Counts.DeletionsWritten);
        Assert.Equal(feed, f.OutLines);
        Assert.Equal(state, File.ReadAllBytes(f.StateFile));
        Assert.Single(Directory.GetFiles(f.OutFolder));

        var approved = await f.RunAsync(j => j with { Filters = dairyOnly, ApproveLargeChange = true });

        Assert.Equal(SyncRunStatus.Succeeded, approved.Status);
        Assert.Equal(["R1", "R3", "R5", "R7", "R9"], DeletedKeys(f));
        Assert.Equal(["R0", "R2", "R4", "R6", "R8"], SentKeys(f));
        Assert.Equal(5, approved.Counts.Deleted);
        Assert.Equal(5, approved.Counts.DeletionsWritten);
        Assert.Equal(5, approved.Counts.Catalog);
    }

    private static EngineFixture NewFixture(RecordKeyKind key = RecordKeyKind.Sku)
    {
        var f = new EngineFixture(JsonLinesAdapterFactory.Id);
        f.Job = f.Job with
        {
            Key = key,
            Mapping = new FieldMapping(new Dictionary<CanonicalField, string>
            {
                [CanonicalField.Sku] = "sku",
                [CanonicalField.Name] = "name",
                [CanonicalField.RegularPrice] = "price",
                [CanonicalField.Department] = "department",
                [CanonicalField.Category] = "category",
                [CanonicalField.StoreId] = "store_id",
                [CanonicalField.Active] = "active",
                [CanonicalField.UpdatedAt] = "updated",
            }),
        };
        return f;
    }

    private static void Write(EngineFixture f, IEnumerable<Row> rows)
    {
        var sb = new StringBuilder("sku,name,price,department,category,store_id,active,updated\n");
        foreach (var r in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{r.Sku},Item {r.Sku},{r.Price:0.00},{r.Department},{r.Category},{r.Store},{r.Active},{r.Updated}\n");
        }

        File.WriteAllText(f.SourcePath, sb.ToString());
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Keys of the records in the feed file (sku, or sku@store), in order.</summary>
    private static string[] SentKeys(EngineFixture f, bool withStore = false) =>
        [.. Lines(f).Where(e => !e.TryGetProperty("deleted", out _)).Select(e => Key(e, withStore))];

    /// <summary>Keys of the deletions in the feed file, in order.</summary>
    private static string[] DeletedKeys(EngineFixture f, bool withStore = false) =>
        [.. Lines(f).Where(e => e.TryGetProperty("deleted", out var d) && d.GetBoolean()).Select(e => Key(e, withStore))];

    private static List<JsonElement> Lines(EngineFixture f) =>
        [.. f.OutLines.Where(l => l.Length > 0).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return doc.RootElement.Clone();
        })];

    private static string Key(JsonElement e, bool withStore)
    {
        var sku = e.GetProperty("sku").GetString()!;
        return withStore ? $"{sku}@{e.GetProperty("storeId").GetString()}" : sku;
    }

    private sealed record Row(string Sku)
    {
        public string Department { get; init; } = "Dairy";

        public string Category { get; init; } = "Dairy/Milk";

        public string Store { get; init; } = "S001";

        public string Active { get; init; } = "Y";

        public string Updated { get; init; } = string.Empty;

        public decimal Price { get; init; } = 1m;
    }
}
