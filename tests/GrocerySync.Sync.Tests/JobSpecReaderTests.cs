using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync.Tests;

public sealed class JobSpecReaderTests
{
    private const string Spec = """
        {
          "job": "gmc",
          "mode": "full",
          "stateFolder": "state",
          "source": { "plugin": "delimited-file", "settings": { "path": "${CATALOG}", "delimiter": ";" } },
          "mapping": { "sku": "Artikel", "regular_price": "Preis" },
          "attributes": { "origin": "Herkunft" },
          "filters": { "departments": ["Dairy"], "activeOnly": true, "changedSince": "lastRun" },
          "adapter": { "plugin": "google-merchant" },
          "destination": { "plugin": "folder", "settings": { "path": "out", "fsync": false } },
          "guardRail": { "maxChangeShare": 0.5 },
          "maxRejectShare": 0.01
        }
        """;

    [Fact]
    public void A_spec_resolves_paths_variables_and_options()
    {
        var job = JobSpecReader.Parse(Spec, "/srv/jobs", n => n == "CATALOG" ? "/data/export.csv" : null);

        Assert.Equal("gmc", job.JobId);
        Assert.Equal(SyncMode.Full, job.Mode);
        Assert.Equal("/srv/jobs/state", job.StateFolder);
        Assert.Equal("/data/export.csv", job.Source.Settings["path"]);
        Assert.Equal("false", job.Destination.Settings["fsync"]);
        Assert.Equal("Preis", job.Mapping.Fields[CanonicalField.RegularPrice]);
        Assert.Equal("origin", Assert.Single(job.Mapping.AttributeNames));
        Assert.True(job.Filters.ChangedSinceLastRun);
        Assert.Equal(0.5, job.MaxChangeShare);
        Assert.Equal(0.01, job.MaxRejectShare);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var ex = Assert.Throws<SyncConfigurationException>(() => JobSpecReader.Parse(
            """{ "job": "bad id!", "mode": "sometimes", "sourc": {}, "mapping": { "colour": "c" }, "guardRail": { "maxChangeShare": 3 } }""",
            "/tmp",
            _ => null));

        Assert.Contains("'job' is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'mode' must be delta or full", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unknown property 'sourc'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'mapping.colour' is not a canonical field", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'guardRail.maxChangeShare' must be a number between 0 and 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'stateFolder' is required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_environment_variable_is_named()
    {
        var ex = Assert.Throws<SyncConfigurationException>(() => JobSpecReader.Parse(Spec, "/tmp", _ => null));
        Assert.Contains("environment variable CATALOG", ex.Message, StringComparison.Ordinal);
    }
}
