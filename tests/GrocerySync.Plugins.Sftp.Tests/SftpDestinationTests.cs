using System.Security.Cryptography;
using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sftp.Tests;

/// <summary>The SFTP destination against the real OpenSSH server on loopback (GS_TEST_SFTP_*).</summary>
public sealed class SftpDestinationTests
{
    private static DestinationContext Run(string jobId = "feed") =>
        new(jobId, Guid.NewGuid(), IsDelta: false, "text/tab-separated-values", "tsv", DateTimeOffset.UnixEpoch);

    private static DestinationBatch Batch(string text, long sequence, bool isLast = false) =>
        new(Encoding.UTF8.GetBytes(text), text.Count(c => c == '\n'), sequence, isLast);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Commit_replaces_the_old_file_atomically_and_nothing_is_visible_before()
    {
        await using var folder = await SftpTestFolder.CreateAsync();
        await folder.WriteAsync("feed.tsv", "old\n");
        await using var destination = folder.CreateDestination();

        await using (var tx = await destination.BeginAsync(Run(), Ct))
        {
            await tx.WriteAsync(Batch("sku\tname\n1\tMilk\n", 0), Ct);
            await tx.WriteAsync(Batch(new string('x', 200_000) + "\n", 1), Ct);
            await tx.WriteAsync(Batch("3\tEggs\n", 2, isLast: true), Ct);

            // Mid-run the channel still sees the old file; the new data sits under a temporary name only.
            Assert.Equal("old\n", await folder.ReadAsync("feed.tsv"));
            var during = await folder.ListAsync();
            Assert.Equal(2, during.Count);
            Assert.Contains(during, n => n.StartsWith(".feed.tsv.", StringComparison.Ordinal) && n.EndsWith(".part", StringComparison.Ordinal));

            await tx.CommitAsync(Ct);
        }

        Assert.Equal("sku\tname\n1\tMilk\n" + new string('x', 200_000) + "\n3\tEggs\n", await folder.ReadAsync("feed.tsv"));
        Assert.Equal(["feed.tsv"], await folder.ListAsync());
    }

    [Fact]
    public async Task Rollback_after_writing_keeps_the_old_file_and_removes_the_temporary_one()
    {
        await using var folder = await SftpTestFolder.CreateAsync();
        await folder.WriteAsync("feed.tsv", "old\n");
        await using var destination = folder.CreateDestination();

        await using (var tx = await destination.BeginAsync(Run(), Ct))
        {
            await tx.WriteAsync(Batch("half of a new file\n", 0), Ct);
            await tx.RollbackAsync(Ct);
        }

        Assert.Equal("old\n", await folder.ReadAsync("feed.tsv"));
        Assert.Equal(["feed.tsv"], await folder.ListAsync());
    }

    [Fact]
    public async Task An_aborted_run_that_never_commits_leaves_the_old_file()
    {
        await using var folder = await SftpTestFolder.CreateAsync();
        await folder.WriteAsync("feed.tsv", "old\n");
        await using var destination = folder.CreateDestination();

        // The engine dies or is cancelled mid-upload: the transaction is only disposed.
        var tx = await destination.BeginAsync(Run(), Ct);
        await tx.WriteAsync(Batch("partial\n", 0), Ct);
        await tx.DisposeAsync();

        Assert.Equal("old\n", await folder.ReadAsync("feed.tsv"));
        Assert.Equal(["feed.tsv"], await folder.ListAsync());
    }

    [Fact]
    public async Task A_failed_commit_leaves_the_old_file_and_says_so()
    {
        await using var folder = await SftpTestFolder.CreateAsync();
        await folder.WriteAsync("feed.tsv", "old\n");
        await using var destination = folder.CreateDestination();

        await using var tx = await destination.BeginAsync(Run(), Ct);
        await tx.WriteAsync(Batch("new\n", 0, isLast: true), Ct);

        // Someone removes the temporary upload under our feet: the rename at commit must fail, not publish nothing or half.
        var part = (await folder.ListAsync()).Single(n => n.EndsWith(".part", StringComparison.Ordinal));
        await folder.Observer.DeleteFileAsync(folder.PathOf(part), Ct);

        var ex = await Assert.ThrowsAsync<PluginException>(() => tx.CommitAsync(Ct));
        Assert.Contains("previous file is unchanged", ex.Message, StringComparison.Ordinal);
        Assert.Equal("old\n", await folder.ReadAsync("feed.tsv"));
        await tx.RollbackAsync(Ct);
    }

    [Fact]
    public async Task A_wrong_host_key_fingerprint_is_refused_with_a_clear_message()
    {
        await using var folder = await SftpTestFolder.CreateAsync();
        var wrong = "SHA256:" + Convert.ToBase64String(SHA256.HashData("not the server"u8)).TrimEnd('=');
        await using var destination = folder.CreateDestination(("hostKeyFingerprint", wrong));

        var ex = await Assert.ThrowsAsync<PluginException>(() => destination.BeginAsync(Run(), Ct));
        Assert.Contains("does not match the pinned", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SHA256:" + folder.Fingerprint, ex.Message, StringComparison.Ordinal);

        var test = await destination.TestConnectionAsync(Ct);
        Assert.False(test.Success);
        Assert.Contains("Refusing to connect", test.Message, StringComparison.Ordinal);
        Assert.Empty(await folder.ListAsync());
    }

    [Fact]
    public async Task Without_a_pinned_fingerprint_the_key_is_refused_and_shown_for_verification()
    {
        await using var folder = await SftpTestFolder.CreateAsync();
        await using var destination = folder.CreateDestination(("hostKeyFingerprint", null));

        var result = await destination.TestConnectionAsync(Ct);

        Assert.False(result.Success);
        Assert.Contains("no host key fingerprint is pinned", result.Message, StringComparison.Ordinal);
        Assert.Contains("SHA256:" + folder.Fingerprint, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestConnection_checks_the_folder_is_writable_and_leaves_nothing_behind()
    {
        await using var folder = await SftpTestFolder.CreateAsync();
        await using var destination = folder.CreateDestination();

        var ok = await destination.TestConnectionAsync(Ct);
        Assert.True(ok.Success, ok.Message);
        Assert.Empty(await folder.ListAsync());

        await using var missing = folder.CreateDestination(("folder", folder.Folder + "/nope"));
        var failed = await missing.TestConnectionAsync(Ct);
        Assert.False(failed.Success);
        Assert.Contains("does not exist", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_private_key_given_as_secret_text_authenticates()
    {
        await using var folder = await SftpTestFolder.CreateAsync();
        var key = await File.ReadAllTextAsync(folder.KeyPath, Ct);
        await using var destination = folder.CreateDestination(("privateKeyPath", null), ("privateKey", key), ("fileName", "{jobId}-{date}.{extension}"));

        await using (var tx = await destination.BeginAsync(Run("shop-1"), Ct))
        {
            await tx.WriteAsync(Batch("a\n", 0, isLast: true), Ct);
            await tx.CommitAsync(Ct);
        }

        Assert.Equal("a\n", await folder.ReadAsync("shop-1-19700101.tsv"));
    }

    [Fact]
    public async Task Refused_credentials_are_reported_without_the_password()
    {
        await using var folder = await SftpTestFolder.CreateAsync();
        await using var destination = folder.CreateDestination(("privateKeyPath", null), ("password", "Sup3rSecretPw"));

        var result = await destination.TestConnectionAsync(Ct);

        Assert.False(result.Success);
        Assert.Contains($"refused the credentials of user '{folder.User}'", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Sup3rSecretPw", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SHA256:abc=", "abc")]
    [InlineData("  abc  ", "abc")]
    [InlineData("sha256:abc", "abc")]
    public void Fingerprints_are_accepted_as_ssh_keygen_prints_them(string input, string expected) =>
        Assert.Equal(expected, SftpConnector.NormaliseFingerprint(input));

    [Fact]
    public void Settings_without_credentials_are_rejected()
    {
        var factory = new SftpDestinationFactory();
        var settings = PluginSettings.Create(factory.Manifest, new Dictionary<string, string?> { ["host"] = "h", ["username"] = "u" });

        var ex = Assert.Throws<PluginException>(() => factory.Create(settings));
        Assert.Contains("needs credentials", ex.Message, StringComparison.Ordinal);
        Assert.True(settings.IsSecret("password") && settings.IsSecret("privateKey") && settings.IsSecret("privateKeyPassphrase"));
    }
}
