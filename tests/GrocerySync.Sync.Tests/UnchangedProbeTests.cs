namespace GrocerySync.Sync.Tests;

public sealed class UnchangedProbeTests
{
    // Previous state: keys 1..20 with content hashes 101..120.
    private static UnchangedProbe Probe()
    {
        const int n = 20;
        var keys = Enumerable.Range(1, n).Select(i => (ulong)i).ToArray();
        var contents = Enumerable.Range(1, n).Select(i => (ulong)(100 + i)).ToArray();
        var keyEnds = Enumerable.Range(1, n).Select(i => (uint)i).ToArray();
        return new UnchangedProbe(new DeltaState(keys, contents, keyEnds, new byte[n], n));
    }

    [Fact]
    public void Rows_in_the_previous_order_with_the_same_content_are_unchanged_and_a_changed_one_is_not()
    {
        var probe = Probe();
        Assert.True(probe.IsUnchanged(1, 101));
        Assert.False(probe.IsUnchanged(2, 999)); // changed content
        Assert.True(probe.IsUnchanged(3, 103)); // the cursor moved past the changed row
    }

    [Fact]
    public void A_few_deleted_records_are_skipped_and_new_or_unknown_rows_do_not_move_the_cursor()
    {
        var probe = Probe();
        Assert.True(probe.IsUnchanged(1, 101));
        Assert.True(probe.IsUnchanged(5, 105)); // 2, 3, 4 deleted
        Assert.False(probe.IsUnchanged(777, 1)); // a new key
        Assert.True(probe.IsUnchanged(6, 106));
    }

    [Fact]
    public void A_block_of_deletions_longer_than_the_window_is_not_matched()
    {
        var probe = Probe();
        Assert.True(probe.IsUnchanged(1, 101));
        Assert.False(probe.IsUnchanged(15, 115)); // 2..14 deleted: beyond the look-ahead, the full path decides
        Assert.True(probe.IsUnchanged(2, 102)); // the cursor stayed
    }

    [Fact]
    public void A_probe_is_made_only_for_delta_runs_with_a_comparable_state_and_no_changed_since_window()
    {
        var state = new DeltaState([1], [101], [1], new byte[1], 1);
        var plugin = new PluginReference("p", new Dictionary<string, string?>());
        var delta = new SyncJob("job", plugin, plugin, plugin, "state") { Mode = SyncMode.Delta };
        Assert.NotNull(UnchangedProbe.For(delta, state, contentComparable: true, since: null));
        Assert.Null(UnchangedProbe.For(delta with { Mode = SyncMode.Full }, state, contentComparable: true, since: null));
        Assert.Null(UnchangedProbe.For(delta, null, contentComparable: true, since: null));
        Assert.Null(UnchangedProbe.For(delta, state, contentComparable: false, since: null));
        Assert.Null(UnchangedProbe.For(delta, state, contentComparable: true, since: DateTimeOffset.UnixEpoch));
    }
}
