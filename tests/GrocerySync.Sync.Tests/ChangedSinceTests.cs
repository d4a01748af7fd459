using GrocerySync.Plugins.Abstractions;
using GrocerySync.Plugins.Feeds;

namespace GrocerySync.Sync.Tests;

public sealed class ChangedSinceTests
{
    [Fact]
    public async Task Changed_since_sends_only_recent_records_and_keeps_the_others()
    {
        using var f = new EngineFixture(JsonLinesAdapterFactory.Id);
        f.Job = f.Job with
        {
            MaxChangeShare = 1,
            Mapping = new FieldMapping(new Dictionary<CanonicalField, string>
            {
                [CanonicalField.Sku] = "sku",
                [CanonicalField.Name] = "name",
                [CanonicalField.RegularPrice] = "price",
                [CanonicalField.UpdatedAt] = "updated",
            }),
        };
        File.WriteAllText(f.SourcePath, "sku,name,price,updated\nA,Apple,1.00,2026-11-01\nB,Bread,2.00,2026-11-25T10:00:00Z\n");
        await f.RunAsync();

        File.WriteAllText(f.SourcePath, "sku,name,price,updated\nA,Apple,1.10,2026-11-01\nB,Bread,2.10,2026-11-26T09:00:00Z\n");
        var s = await f.RunAsync(j => j with { Filters = new RecordFilterOptions { ChangedSince = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero) } });

        Assert.Equal(1, s.Counts.Written);
        Assert.Equal(0, s.Counts.Deleted);
        Assert.StartsWith("{\"sku\":\"B\"", Assert.Single(f.OutLines), StringComparison.Ordinal);

        // A's change was not sent, so a run without the filter still sends it.
        var after = await f.RunAsync();
        Assert.Equal(1, after.Counts.Written);
        Assert.StartsWith("{\"sku\":\"A\"", Assert.Single(f.OutLines), StringComparison.Ordinal);
    }
}
