using System.IO.Hashing;
using System.Text;

namespace GrocerySync.Sync.Tests;

public sealed class DeltaTrackerTests
{
    [Theory]
    [InlineData(0)]       // never told the size
    [InlineData(100)]     // estimate far too low: the state still grows
    [InlineData(5_000)]   // about right
    [InlineData(1 << 20)] // far too high
    public void A_first_run_builds_the_same_state_and_finds_duplicates_whatever_the_reserved_size(int reserved)
    {
        var tracker = new DeltaTracker(old: null, contentComparable: false);
        var decisions = new List<DeltaDecision>();
        for (var i = 0; i < 5_000; i++)
        {
            if (i == 10 && reserved > 0)
            {
                tracker.Reserve(reserved); // the engine reserves after its first batch, with records already in
            }

            var key = Encoding.UTF8.GetBytes($"SKU{i % 4_000:D6}"); // the last 1,000 repeat earlier keys
            var keyHash = XxHash3.HashToUInt64(key);
            var decision = tracker.Classify(keyHash, (ulong)i, out var oldPosition);
            decisions.Add(decision);
            if (decision != DeltaDecision.Duplicate)
            {
                tracker.Accept(oldPosition, keyHash, (ulong)i, key);
            }
        }

        Assert.Equal(Enumerable.Repeat(DeltaDecision.New, 4_000).Concat(Enumerable.Repeat(DeltaDecision.Duplicate, 1_000)), decisions);
        var state = tracker.Build(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        Assert.Equal(4_000, state.Count);
        Assert.Equal("SKU003999", Encoding.UTF8.GetString(state.GetKey(3_999)));
        Assert.Equal(3_999UL, state.ContentHashes[3_999]);
    }
}
