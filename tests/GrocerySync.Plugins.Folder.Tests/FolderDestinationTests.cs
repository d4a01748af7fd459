using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Folder.Tests;

public sealed class FolderDestinationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gs-folder-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IDestinationConnector Create(string fileName = "{job}-{mode}.{ext}")
    {
        var f = new FolderDestinationFactory();
        return f.Create(PluginSettings.Create(f.Manifest, new Dictionary<string, string?> { ["path"] = _dir, ["fileName"] = fileName }));
    }

    private static DestinationContext Context(bool delta = false) =>
        new("job1", Guid.NewGuid(), delta, "text/tab-separated-values", "tsv", new DateTimeOffset(2026, 11, 26, 8, 30, 0, TimeSpan.Zero));

    private static DestinationBatch Batch(string text, long seq = 0, bool last = false) => new(Encoding.UTF8.GetBytes(text), 1, seq, last);

    [Fact]
    public async Task Commit_publishes_the_file_under_its_templated_name()
    {
        await using var d = Create();
        await using var tx = await d.BeginAsync(Context(), Ct);
        await tx.WriteAsync(Batch("a\n"), Ct);
        await tx.WriteAsync(Batch("b\n", 1, last: true), Ct);
        Assert.False(File.Exists(Path.Combine(_dir, "job1-full.tsv"))); // not visible before commit
        await tx.CommitAsync(Ct);

        Assert.Equal("a\nb\n", await File.ReadAllTextAsync(Path.Combine(_dir, "job1-full.tsv"), Ct));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task A_file_larger_than_the_writeback_step_is_published_whole()
    {
        // 20 batches of 1 MB cross the 8 MB early-writeback step twice with fsync on (the default).
        var chunk = new byte[1 << 20];
        await using var d = Create("big.bin");
        await using var tx = await d.BeginAsync(Context(), Ct);
        for (var i = 0; i < 20; i++)
        {
            Array.Fill(chunk, (byte)('a' + i));
            await tx.WriteAsync(new DestinationBatch(chunk.ToArray(), 1, i, i == 19), Ct);
        }

        await tx.CommitAsync(Ct);

        var written = await File.ReadAllBytesAsync(Path.Combine(_dir, "big.bin"), Ct);
        Assert.Equal(20 << 20, written.Length);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(written.AsSpan(i << 20, 1 << 20).IndexOfAnyExcept((byte)('a' + i)) < 0, $"batch {i} differs");
        }
    }

    [Fact]
    public async Task Rollback_keeps_the_previous_file_and_leaves_no_temporary_file()
    {
        var target = Path.Combine(_dir, "feed.tsv");
        await File.WriteAllTextAsync(target, "old\n", Ct);
        await using var d = Create("feed.tsv");
        await using (var tx = await d.BeginAsync(Context(), Ct))
        {
            await tx.WriteAsync(Batch("new, half"), Ct);
            await tx.RollbackAsync(Ct);
        }

        Assert.Equal("old\n", await File.ReadAllTextAsync(target, Ct));
        Assert.Equal([target], Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task Disposing_without_commit_rolls_back()
    {
        await using var d = Create("feed.tsv");
        await using (var tx = await d.BeginAsync(Context(), Ct))
        {
            await tx.WriteAsync(Batch("x"), Ct);
        }

        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task A_temporary_file_abandoned_by_a_killed_run_is_removed_but_a_live_one_is_kept()
    {
        var abandoned = Path.Combine(_dir, $".feed.tsv.{Guid.NewGuid():N}.gstmp");
        await File.WriteAllTextAsync(abandoned, "half a fi", Ct);
        await using var d = Create("feed.tsv");
        await using var live = await d.BeginAsync(Context(), Ct);
        await using var second = await d.BeginAsync(Context(), Ct);

        Assert.False(File.Exists(abandoned));
        Assert.Equal(2, Directory.GetFiles(_dir, ".feed.tsv.*.gstmp").Length); // both live runs' files survive
    }

    [Fact]
    public async Task Connection_test_reports_an_unwritable_folder()
    {
        var file = Path.Combine(_dir, "not-a-folder");
        await File.WriteAllTextAsync(file, "x", Ct);
        var f = new FolderDestinationFactory();
        await using var d = f.Create(PluginSettings.Create(f.Manifest, new Dictionary<string, string?> { ["path"] = Path.Combine(file, "sub") }));

        var result = await d.TestConnectionAsync(Ct);
        Assert.False(result.Success);
        Assert.Contains("not writable", result.Message, StringComparison.Ordinal);
        Assert.True((await Create().TestConnectionAsync(Ct)).Success);
    }

    [Fact]
    public void A_file_name_with_folders_is_refused()
    {
        var f = new FolderDestinationFactory();
        Assert.Throws<PluginException>(() => f.Create(PluginSettings.Create(f.Manifest, new Dictionary<string, string?> { ["path"] = _dir, ["fileName"] = "../x.tsv" })));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
