using GrocerySync.Plugins.Abstractions;
using GrocerySync.Plugins.Feeds;

namespace GrocerySync.Sync.Tests;

public sealed class SyncEngineTests
{
    [Fact]
    public async Task First_run_writes_every_valid_record_and_commits_state()
    {
        using var f = new EngineFixture();
        var s = await f.RunAsync(Catalog.WithItems(100));

        Assert.Equal(SyncRunStatus.Succeeded, s.Status);
        Assert.Equal(100, s.Counts.Written);
        Assert.Equal(101, f.OutLines.Length);
        Assert.True(File.Exists(f.StateFile));
        Assert.Equal(100, s.Counts.Catalog);
    }

    [Fact]
    public async Task Second_run_of_the_same_catalog_writes_nothing()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(100);
        await f.RunAsync(catalog);
        var s = await f.RunAsync(catalog);

        Assert.Equal(SyncRunStatus.Succeeded, s.Status);
        Assert.Equal(0, s.Counts.Written);
        Assert.Equal(100, s.Counts.Unchanged);
        Assert.Single(f.OutLines); // header only
    }

    [Fact]
    public async Task Delta_run_writes_only_changed_rows()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(200);
        await f.RunAsync(catalog);
        var changed = catalog.Change(i => i.Index % 20 == 0, i => i with { Price = i.Price + 1 });
        var s = await f.RunAsync(changed);

        Assert.Equal(10, s.Counts.Changed);
        Assert.Equal(10, s.Counts.Written);
        Assert.False(s.OrderChanged);
        var ids = f.OutLines.Skip(1).Select(l => l.Split('\t')[0]).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"SKU{i * 20:D6}"), ids);
    }

    [Fact]
    public async Task Delta_finds_changes_when_the_row_order_changes()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(200);
        await f.RunAsync(catalog);
        var changed = catalog.Change(i => i.Index % 25 == 0, i => i with { Qty = i.Qty + 1 }).Reversed();
        var s = await f.RunAsync(changed);

        Assert.True(s.OrderChanged);
        Assert.Equal(8, s.Counts.Changed);
        Assert.Equal(192, s.Counts.Unchanged);
        Assert.Equal(0, s.Counts.Deleted);
        Assert.Equal(8, f.OutLines.Length - 1);

        // And the state written in the new order gives a clean third run.
        var third = await f.RunAsync(changed);
        Assert.Equal(0, third.Counts.Written);
        Assert.False(third.OrderChanged);
    }

    [Fact]
    public async Task Delta_results_are_exact_when_rows_are_deleted_in_a_block_inserted_duplicated_and_broken()
    {
        // A delta run skips validating rows identical to the last commit at their position (UnchangedProbe); a block
        // of deletions longer than its look-ahead, a new key, a duplicate and a broken row must still come out exact.
        using var f = new EngineFixture(JsonLinesAdapterFactory.Id);
        var catalog = Catalog.WithItems(300);
        await f.RunAsync(catalog);

        var next = catalog
            .Without(i => i.Index is >= 100 and < 120)
            .Change(i => i.Index is 150 or 250, i => i with { Price = i.Price + 1 })
            .Change(i => i.Index == 50, i => i with { Sku = "NEW000050" })
            .Change(i => i.Index == 200, i => i with { Sku = "SKU000199" })
            .Change(i => i.Index == 260, i => i with { Price = -1 });
        var s = await f.RunAsync(next);

        Assert.Equal(SyncRunStatus.Succeeded, s.Status);
        Assert.Equal((1, 2, 275, 22, 2), (s.Counts.New, s.Counts.Changed, s.Counts.Unchanged, s.Counts.Deleted, s.Counts.Rejected));
        var skus = f.OutLines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("sku").GetString()).ToArray();
        string[] sent = ["NEW000050", "SKU000150", "SKU000250"];
        string[] deleted = ["SKU000050", "SKU000200", .. Enumerable.Range(100, 20).Select(i => $"SKU{i:D6}")];
        Assert.Equal([.. sent.Concat(deleted).Order(StringComparer.Ordinal)], skus.Order(StringComparer.Ordinal));
        Assert.Contains(s.RejectSamples, r => r.Reason.Contains("duplicate", StringComparison.Ordinal));
        Assert.Contains(s.RejectSamples, r => r.Field == "regularPrice");

        // The state it committed describes the new catalog: running it again sends nothing.
        var again = await f.RunAsync(next);
        Assert.Equal((0, 0, 0), (again.Counts.Written, again.Counts.Deleted, again.Counts.New));
    }

    [Fact]
    public async Task A_record_carried_through_a_spec_change_is_filtered_again_when_it_comes_back_unchanged()
    {
        // Run 2 adds a department filter (another spec) while SKU000001, a Produce item, is broken: it is carried, not
        // deleted. When it comes back as it was, the new filter must still drop it (a deletion), not pass it as unchanged.
        using var f = new EngineFixture(JsonLinesAdapterFactory.Id);
        var catalog = Catalog.WithItems(40);
        await f.RunAsync(catalog);
        SyncJob DairyOnly(SyncJob j) => j with { Filters = new RecordFilterOptions { Departments = ["dairy"] }, ApproveLargeChange = true };

        var broken = await f.RunAsync(catalog.Change(i => i.Index == 1, i => i with { Price = -1 }), DairyOnly);
        Assert.Equal(SyncRunStatus.Succeeded, broken.Status);
        Assert.Equal(19, broken.Counts.Deleted); // the other Produce items

        var back = await f.RunAsync(catalog, DairyOnly);
        Assert.Equal(SyncRunStatus.Succeeded, back.Status);
        Assert.Equal(1, back.Counts.Deleted);
        Assert.Equal(["{\"sku\":\"SKU000001\",\"deleted\":true}"], f.OutLines);
    }

    [Fact]
    public async Task Full_mode_resends_everything()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(50);
        await f.RunAsync(catalog);
        var s = await f.RunAsync(catalog, j => j with { Mode = SyncMode.Full });

        Assert.Equal(50, s.Counts.Written);
        Assert.Equal(50, s.Counts.Unchanged);
        Assert.Equal(51, f.OutLines.Length);
    }

    [Fact]
    public async Task Records_gone_from_the_source_are_detected_and_written_as_deletions()
    {
        using var f = new EngineFixture(JsonLinesAdapterFactory.Id);
        var catalog = Catalog.WithItems(100);
        await f.RunAsync(catalog);
        var s = await f.RunAsync(catalog.Without(i => i.Index is 3 or 7));

        Assert.Equal(SyncRunStatus.Succeeded, s.Status);
        Assert.Equal(2, s.Counts.Deleted);
        Assert.Equal(2, s.Counts.DeletionsWritten);
        Assert.Equal(["{\"sku\":\"SKU000003\",\"deleted\":true}", "{\"sku\":\"SKU000007\",\"deleted\":true}"], f.OutLines);
        Assert.Equal(98, s.Counts.Catalog);
    }

    [Fact]
    public async Task Guard_rail_stops_an_empty_export_and_publishes_nothing()
    {
        using var f = new EngineFixture();
        await f.RunAsync(Catalog.WithItems(100));
        var feedBefore = File.ReadAllBytes(f.OutFile);
        var stateBefore = File.ReadAllBytes(f.StateFile);

        File.WriteAllText(f.SourcePath, string.Empty);
        var s = await f.RunAsync();

        Assert.Equal(SyncRunStatus.NeedsApproval, s.Status);
        Assert.Contains("delete 100 of 100", s.Message, StringComparison.Ordinal);
        Assert.Contains("--approve", s.Message, StringComparison.Ordinal);
        Assert.Equal(feedBefore, File.ReadAllBytes(f.OutFile));
        Assert.Equal(stateBefore, File.ReadAllBytes(f.StateFile));
        Assert.Empty(Directory.GetFiles(f.OutFolder, ".*"));
    }

    [Fact]
    public async Task Guard_rail_stops_a_truncated_export_and_publishes_nothing()
    {
        using var f = new EngineFixture();
        await f.RunAsync(Catalog.WithItems(100));
        var feedBefore = File.ReadAllBytes(f.OutFile);
        var stateBefore = File.ReadAllBytes(f.StateFile);

        // The export stopped part-way: 41 whole lines (header and 40 rows), then half of the next row.
        var lines = File.ReadAllLines(f.SourcePath);
        File.WriteAllText(f.SourcePath, string.Join('\n', lines[..41]) + "\n" + lines[41][..(lines[41].Length / 2)]);
        var s = await f.RunAsync();

        Assert.Equal(SyncRunStatus.NeedsApproval, s.Status);
        Assert.Contains("delete 60 of 100", s.Message, StringComparison.Ordinal);
        Assert.Equal(1, s.Counts.Rejected); // the cut row, with the "is the export truncated?" hint
        Assert.Equal(feedBefore, File.ReadAllBytes(f.OutFile));
        Assert.Equal(stateBefore, File.ReadAllBytes(f.StateFile));
        Assert.Empty(Directory.GetFiles(f.OutFolder, ".*"));
    }

    [Fact]
    public async Task Guard_rail_counts_changes_and_allows_an_approved_run()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(100);
        await f.RunAsync(catalog);
        var repriced = catalog.Change(i => i.Index < 40, i => i with { Price = i.Price + 1 });

        var stopped = await f.RunAsync(repriced);
        Assert.Equal(SyncRunStatus.NeedsApproval, stopped.Status);
        Assert.Contains("change 40 and delete 0 of 100", stopped.Message, StringComparison.Ordinal);

        var approved = await f.RunAsync(repriced, j => j with { ApproveLargeChange = true });
        Assert.Equal(SyncRunStatus.Succeeded, approved.Status);
        Assert.Equal(40, approved.Counts.Written);
    }

    [Fact]
    public async Task Guard_rail_threshold_is_configurable()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(100);
        await f.RunAsync(catalog);
        var s = await f.RunAsync(catalog.Without(i => i.Index < 20), j => j with { MaxChangeShare = 0.10 });

        Assert.Equal(SyncRunStatus.NeedsApproval, s.Status);
        Assert.Equal(0.20, s.ChangeShare, 3);
    }

    [Fact]
    public async Task Reject_rate_above_the_limit_fails_the_run_without_publishing()
    {
        using var f = new EngineFixture();
        var bad = Catalog.WithItems(100).Change(i => i.Index % 10 == 0, i => i with { Upc = i.Upc[..11] + ((i.Upc[11] - '0' + 1) % 10) });
        var s = await f.RunAsync(bad, j => j with { MaxRejectShare = 0.05 });

        Assert.Equal(SyncRunStatus.Failed, s.Status);
        Assert.Equal(10, s.Counts.Rejected);
        Assert.Equal(0.10, s.RejectRate, 3);
        Assert.Contains("above the limit", s.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(f.OutFile));
        Assert.False(File.Exists(f.StateFile));

        var allowed = await f.RunAsync(j => j with { MaxRejectShare = 0.2 });
        Assert.Equal(SyncRunStatus.Succeeded, allowed.Status);
        Assert.Equal(90, allowed.Counts.Written);
        var first = allowed.RejectSamples[0];
        Assert.Equal(2, first.LineNumber);
        Assert.Equal("gtin", first.Field);
        Assert.Contains("check digit", first.Reason, StringComparison.Ordinal);
        Assert.Equal("SKU000000", first.Key);
    }

    [Fact]
    public async Task A_destination_failure_mid_run_keeps_the_old_file_and_the_next_run_sends_every_change()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(300);
        await f.RunAsync(catalog);
        var oldFeed = File.ReadAllBytes(f.OutFile);
        var oldState = File.ReadAllBytes(f.StateFile);

        var changed = catalog.Change(i => i.Index % 10 == 0, i => i with { Price = i.Price + 2 });
        var failed = await f.RunAsync(changed, j => f.WithFlakyDestination(j, failAfterBatches: 0));

        Assert.Equal(SyncRunStatus.Failed, failed.Status);
        Assert.Contains("injected failure", failed.Message, StringComparison.Ordinal);
        Assert.Equal(oldFeed, File.ReadAllBytes(f.OutFile));
        Assert.Equal(oldState, File.ReadAllBytes(f.StateFile));
        Assert.Empty(Directory.GetFiles(f.OutFolder, ".*"));

        var next = await f.RunAsync();
        Assert.Equal(SyncRunStatus.Succeeded, next.Status);
        Assert.Equal(30, next.Counts.Changed);
        Assert.Equal(30, next.Counts.Written);
    }

    [Fact]
    public async Task A_failure_in_commit_does_not_commit_the_delta_state()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(100);
        await f.RunAsync(catalog);
        var changed = catalog.Change(i => i.Index < 5, i => i with { Qty = 99 });

        var before = await File.ReadAllBytesAsync(f.StateFile, TestContext.Current.CancellationToken);

        var failed = await f.RunAsync(changed, j => f.WithFlakyDestination(j, int.MaxValue, failOnCommit: true));
        Assert.Equal(SyncRunStatus.Failed, failed.Status);

        // The new state was written to a temporary file while the destination committed: it is gone, the old one kept.
        Assert.Equal(before, await File.ReadAllBytesAsync(f.StateFile, TestContext.Current.CancellationToken));
        Assert.Empty(Directory.GetFiles(f.StateFolder, ".*.tmp"));

        var next = await f.RunAsync();
        Assert.Equal(5, next.Counts.Written);
    }

    [Fact]
    public async Task A_run_killed_after_the_destination_committed_but_before_the_state_was_saved_sends_its_changes_again()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(100);
        await f.RunAsync(catalog);
        var state = await File.ReadAllBytesAsync(f.StateFile, TestContext.Current.CancellationToken);
        var changed = catalog.Change(i => i.Index < 5, i => i with { Qty = 42 });

        await Assert.ThrowsAsync<ProcessDiedException>(() => f.RunAsync(changed, j => f.WithFlakyDestination(j, int.MaxValue, dieAfterCommit: true)));

        // The new feed is published whole (the rename happened), the state is the old one.
        Assert.Equal(6, File.ReadAllLines(f.OutFile).Length);
        Assert.Equal(state, await File.ReadAllBytesAsync(f.StateFile, TestContext.Current.CancellationToken));

        // So the next run sends the same five changes again (at least once, never lost), then nothing.
        var next = await f.RunAsync(changed);
        Assert.Equal(SyncRunStatus.Succeeded, next.Status);
        Assert.Equal(5, next.Counts.Written);
        Assert.Equal(5, File.ReadAllLines(f.OutFile).Length - 1);
        Assert.Equal(0, (await f.RunAsync(changed)).Counts.Written);
    }

    [Fact]
    public async Task A_temporary_state_file_left_by_a_killed_run_is_deleted_by_the_next_run()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(100);
        await f.RunAsync(catalog);
        var leftover = Path.Combine(f.StateFolder, $".{Path.GetFileName(f.StateFile)}.999999.tmp");
        await File.WriteAllBytesAsync(leftover, new byte[4096], TestContext.Current.CancellationToken);

        var next = await f.RunAsync(catalog.Change(i => i.Index < 3, i => i with { Qty = 7 }));

        Assert.Equal(SyncRunStatus.Succeeded, next.Status);
        Assert.Equal(3, next.Counts.Written);
        Assert.False(File.Exists(leftover));
        Assert.Empty(Directory.GetFiles(f.StateFolder, ".*.tmp"));
    }

    [Fact]
    public async Task A_failure_in_a_later_batch_of_a_large_run_keeps_the_old_file()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(30_000); // several 1 MB output batches
        var s = await f.RunAsync(catalog, j => f.WithFlakyDestination(j, failAfterBatches: 2));

        Assert.Equal(SyncRunStatus.Failed, s.Status);
        Assert.False(File.Exists(f.OutFile));
        Assert.False(File.Exists(f.StateFile));
        Assert.Empty(Directory.GetFiles(f.OutFolder, ".*"));

        var next = await f.RunAsync();
        Assert.Equal(30_000, next.Counts.Written);
    }

    [Fact]
    public async Task Cancellation_publishes_nothing()
    {
        using var f = new EngineFixture();
        Catalog.WithItems(1000).WriteTo(f.SourcePath);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var s = await new SyncEngine(f.Registry, f.Time).RunAsync(f.Job, cancellationToken: cts.Token);

        Assert.Equal(SyncRunStatus.Cancelled, s.Status);
        Assert.False(File.Exists(f.OutFile));
        Assert.False(File.Exists(f.StateFile));
    }

    [Fact]
    public async Task Output_reaches_the_destination_in_order_in_whole_records_with_the_last_batch_marked()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(30_000); // several 1 MB output batches
        await f.RunAsync(catalog);
        var expected = File.ReadAllBytes(f.OutFile);
        File.Delete(f.StateFile);

        // A slow destination: the engine keeps formatting while earlier batches are still being written.
        f.Scripted.OnWrite = async (_, ct) => await Task.Delay(20, ct);
        var s = await f.RunAsync(EngineFixture.WithScriptedDestination);

        Assert.Equal(SyncRunStatus.Succeeded, s.Status);
        var batches = f.Scripted.Batches;
        Assert.True(batches.Count > 2);
        Assert.Equal(Enumerable.Range(0, batches.Count).Select(i => (long)i), batches.Select(b => b.Sequence));
        Assert.Equal(batches.Count - 1, batches.FindIndex(b => b.IsLast));
        Assert.All(batches, b => Assert.Equal((byte)'\n', b.Data[^1]));
        Assert.Equal(30_000, batches.Sum(b => b.RecordCount));
        Assert.Equal(expected, batches.SelectMany(b => b.Data).ToArray());
        Assert.Equal(expected.Length, s.Counts.BytesWritten);
        Assert.True(f.Scripted.Committed);
    }

    [Fact]
    public async Task A_destination_failure_surfaces_with_its_own_message_and_commits_no_state()
    {
        using var f = new EngineFixture();
        f.Scripted.OnWrite = (batch, _) => batch.Sequence == 1 ? throw new PluginException("receiver said 507: quota exceeded") : ValueTask.CompletedTask;
        var s = await f.RunAsync(Catalog.WithItems(30_000), EngineFixture.WithScriptedDestination);

        Assert.Equal(SyncRunStatus.Failed, s.Status);
        Assert.Equal("receiver said 507: quota exceeded", s.Message);
        Assert.False(f.Scripted.Committed);
        Assert.True(f.Scripted.RolledBack);
        Assert.False(File.Exists(f.StateFile));
    }

    [Fact]
    public async Task Cancellation_while_a_destination_write_is_in_flight_publishes_nothing_and_commits_no_state()
    {
        using var f = new EngineFixture();
        Catalog.WithItems(30_000).WriteTo(f.SourcePath);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        f.Scripted.OnWrite = async (batch, ct) =>
        {
            if (batch.Sequence == 1)
            {
                await cts.CancelAsync();
                await Task.Delay(Timeout.Infinite, ct); // a write that only ends when the run is cancelled
            }
        };

        var s = await new SyncEngine(f.Registry, f.Time).RunAsync(EngineFixture.WithScriptedDestination(f.Job), cancellationToken: cts.Token);

        Assert.Equal(SyncRunStatus.Cancelled, s.Status);
        Assert.False(f.Scripted.Committed);
        Assert.True(f.Scripted.RolledBack);
        Assert.False(File.Exists(f.StateFile));
    }

    [Fact]
    public async Task Duplicate_keys_are_rejected()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(30).Change(i => i.Index == 5, i => i with { Sku = "SKU000002" });
        var s = await f.RunAsync(catalog);

        Assert.Equal(29, s.Counts.Written);
        var reject = Assert.Single(s.RejectSamples);
        Assert.Equal(7, reject.LineNumber);
        Assert.Contains("duplicate", reject.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_previously_valid_row_that_turns_invalid_is_not_deleted_and_is_resent_when_fixed()
    {
        using var f = new EngineFixture(JsonLinesAdapterFactory.Id);
        var catalog = Catalog.WithItems(50);
        await f.RunAsync(catalog);

        var broken = await f.RunAsync(catalog.Change(i => i.Index == 10, i => i with { Price = -1 }));
        Assert.Equal(0, broken.Counts.Deleted);
        Assert.Equal(0, broken.Counts.Written);
        Assert.Equal("regularPrice", Assert.Single(broken.RejectSamples).Field);

        var fixedRun = await f.RunAsync(catalog.Change(i => i.Index == 10, i => i with { Price = 3 }));
        Assert.Equal(1, fixedRun.Counts.Changed);
    }

    [Fact]
    public async Task Filters_select_department_and_active_items_and_dropped_items_count_as_deleted()
    {
        using var f = new EngineFixture(JsonLinesAdapterFactory.Id);
        var catalog = Catalog.WithItems(20);
        var s = await f.RunAsync(catalog, j => j with { Filters = new RecordFilterOptions { Departments = ["dairy"], ActiveOnly = true } });
        Assert.Equal(10, s.Counts.Written);
        Assert.Equal(10, s.Counts.Filtered);

        var inactive = catalog.Change(i => i.Index == 4, i => i with { Active = "N" });
        var second = await f.RunAsync(inactive, j => j with { Filters = new RecordFilterOptions { Departments = ["dairy"], ActiveOnly = true } });
        Assert.Equal(1, second.Counts.Deleted);
        Assert.Equal(["{\"sku\":\"SKU000004\",\"deleted\":true}"], f.OutLines);
    }

    [Fact]
    public async Task Changing_the_adapter_settings_resends_everything_once()
    {
        using var f = new EngineFixture();
        var catalog = Catalog.WithItems(40);
        await f.RunAsync(catalog);
        var s = await f.RunAsync(catalog, j => j with
        {
            Adapter = new PluginReference(GoogleMerchantAdapterFactory.Id, new Dictionary<string, string?> { ["utcOffset"] = "+0100" }),
        });

        Assert.Equal(SyncRunStatus.Succeeded, s.Status); // not a guard-rail case: the data did not change
        Assert.Equal(40, s.Counts.Written);
    }

    [Fact]
    public async Task A_second_concurrent_run_of_the_same_job_is_refused()
    {
        using var f = new EngineFixture();
        Directory.CreateDirectory(f.StateFolder);
        using var held = new FileStream(Path.Combine(f.StateFolder, "test-job.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        Catalog.WithItems(5).WriteTo(f.SourcePath);

        var ex = await Assert.ThrowsAsync<SyncConfigurationException>(() => f.RunAsync());
        Assert.Contains("Another run", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_state_file_stops_the_run_with_a_clear_message()
    {
        using var f = new EngineFixture();
        await f.RunAsync(Catalog.WithItems(10));
        var bytes = File.ReadAllBytes(f.StateFile);
        bytes[80] ^= 0xFF;
        File.WriteAllBytes(f.StateFile, bytes);

        var ex = await Assert.ThrowsAnyAsync<Plugins.Abstractions.PluginException>(() => f.RunAsync());
        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_reports_final_counts()
    {
        using var f = new EngineFixture();
        Catalog.WithItems(10).WriteTo(f.SourcePath);
        var reports = new List<SyncProgress>();
        var progress = new SyncProgressRecorder(reports);
        await new SyncEngine(f.Registry, f.Time).RunAsync(f.Job, progress, cancellationToken: TestContext.Current.CancellationToken);

        var last = reports[^1];
        Assert.Equal(10, last.RecordsRead);
        Assert.Equal(10, last.RecordsWritten);
        Assert.Equal(new FileInfo(f.SourcePath).Length, last.BytesRead);
        Assert.Equal(last.BytesRead, last.TotalBytes); // a file tells its size, so progress can be shown as a share
        Assert.True(last.BytesWritten > 0);
    }

    private sealed class SyncProgressRecorder(List<SyncProgress> into) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => into.Add(value);
    }
}
