using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace GrocerySync.Agent.Tests;

public sealed class SyncCommandTests
{
    [Fact]
    public async Task Sync_with_json_output_reports_the_run_and_exits_zero()
    {
        using var a = new AgentProcess();
        File.WriteAllText(a.SourcePath, AgentProcess.Catalog(100, 0));
        a.WriteSpec(a.SourcePath);

        var (code, stdout, stderr) = await a.RunAsync("sync", a.SpecPath, "--output", "json");

        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("succeeded", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(100, doc.RootElement.GetProperty("counts").GetProperty("written").GetInt64());
        Assert.Equal(101, File.ReadAllLines(a.FeedPath).Length);
    }

    [Fact]
    public async Task A_plugin_that_is_not_built_in_is_loaded_from_the_plugins_folder()
    {
        using var a = new AgentProcess();
        File.WriteAllText(a.SourcePath, AgentProcess.Catalog(20, 0));
        a.WriteSpec(a.SourcePath, adapter: TestPlugins.AdapterId);
        var plugins = Path.Combine(a.Root, "plugins");

        // Not built in, and no folder names it: a clear message, exit 2.
        var (code, _, stderr) = await a.RunAsync("sync", a.SpecPath, "--plugins", plugins);
        Assert.Equal(2, code);
        Assert.Contains($"Plugin '{TestPlugins.AdapterId}' is not built in and not in the plugins folder {plugins}", stderr, StringComparison.Ordinal);

        // An older and a newer package of the sample adapter, as the hub's plugins folder holds them: the newer loads.
        TestPlugins.InstallSample(Path.Combine(plugins, TestPlugins.AdapterId, "0.9.0"), "0.9.0");
        TestPlugins.InstallSample(Path.Combine(plugins, TestPlugins.AdapterId, TestPlugins.Version), TestPlugins.Version);
        (code, var stdout, stderr) = await a.RunAsync("sync", a.SpecPath, "--plugins", plugins, "--output", "json");
        Assert.True(code == 0, stderr);
        Assert.Equal(20, JsonDocument.Parse(stdout).RootElement.GetProperty("counts").GetProperty("written").GetInt64());
        var feed = File.ReadAllLines(a.FeedPath);
        Assert.Equal("sku\tname\tbrand\tprice", feed[0]);
        Assert.StartsWith("SKU0000000\tPRODUCT 0 WITH A REASONABLY LONG NAME\tACME\t", feed[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_spec_ends_with_a_clear_message_exit_2_and_no_stack_trace()
    {
        using var a = new AgentProcess();
        File.WriteAllText(a.SpecPath, """{ "job": "x", "stateFolder": "s", "source": { "plugin": "delimited-file", "settings": { "path": "x.csv" } }, "adapter": { "plugin": "nope" }, "destination": { "plugin": "folder", "settings": { "path": "o" } } }""");

        var (code, _, stderr) = await a.RunAsync("sync", a.SpecPath);

        Assert.Equal(2, code);
        Assert.Contains("No plugin with id 'nope'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_source_file_fails_with_exit_1_and_a_message()
    {
        using var a = new AgentProcess();
        a.WriteSpec(Path.Combine(a.Root, "missing.csv"));

        var (code, _, stderr) = await a.RunAsync("sync", a.SpecPath);

        Assert.Equal(1, code);
        Assert.Contains("Cannot open the source file", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_export_is_stopped_by_the_guard_rail_with_exit_3_until_approved()
    {
        using var a = new AgentProcess();
        File.WriteAllText(a.SourcePath, AgentProcess.Catalog(50, 0));
        a.WriteSpec(a.SourcePath);
        Assert.Equal(0, (await a.RunAsync("sync", a.SpecPath)).ExitCode);

        File.WriteAllText(a.SourcePath, AgentProcess.Header + "\n");
        var (code, _, stderr) = await a.RunAsync("sync", a.SpecPath);
        Assert.Equal(3, code);
        Assert.Contains("Guard rail", stderr, StringComparison.Ordinal);
        Assert.Equal(51, File.ReadAllLines(a.FeedPath).Length);

        Assert.Equal(0, (await a.RunAsync("sync", a.SpecPath, "--approve", "--full")).ExitCode);
        Assert.Single(File.ReadAllLines(a.FeedPath));
    }

    [Fact]
    public async Task A_sync_killed_mid_write_leaves_the_old_file_and_the_next_run_sends_every_change()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "uses a named pipe (mkfifo) to stop the source mid-stream");
        const int rows = 40_000;
        using var a = new AgentProcess();

        // 1. A committed first run: the "old" feed and state.
        File.WriteAllText(a.SourcePath, AgentProcess.Catalog(rows, 0));
        a.WriteSpec(a.SourcePath, maxChangeShare: 1);
        Assert.Equal(0, (await a.RunAsync("sync", a.SpecPath)).ExitCode);
        var oldFeed = File.ReadAllBytes(a.FeedPath);
        var oldState = File.ReadAllBytes(a.StatePath);

        // 2. Every price changes. The source is a pipe: we feed 70% of the rows, wait until the agent has written
        //    part of the new feed, then kill it (SIGKILL) while it waits for the rest.
        var changed = AgentProcess.Catalog(rows, 0.5m);
        var fifo = Path.Combine(a.Root, "catalog.fifo");
        using (var mk = Process.Start("mkfifo", fifo))
        {
            await mk.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mk.ExitCode);
        }

        a.WriteSpec(fifo, maxChangeShare: 1);
        using var agent = a.Start("sync", a.SpecPath);
        await using (var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write))
        {
            var part = Encoding.UTF8.GetBytes(changed[..(changed.Length * 7 / 10)]);
            await pipe.WriteAsync(part, TestContext.Current.CancellationToken);
            await pipe.FlushAsync(TestContext.Current.CancellationToken);

            var deadline = Stopwatch.StartNew();
            string? temp = null;
            while (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                temp = Directory.GetFiles(a.OutFolder, ".feed.tsv.*.gstmp").FirstOrDefault();
                if (temp is not null && new FileInfo(temp).Length > 0)
                {
                    break;
                }

                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            Assert.True(temp is not null && new FileInfo(temp).Length > 0, "the agent never started writing the new feed");
            agent.Kill();
            await agent.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        Assert.NotEqual(0, agent.ExitCode);
        Assert.Equal(oldFeed, File.ReadAllBytes(a.FeedPath));   // the old file, whole
        Assert.Equal(oldState, File.ReadAllBytes(a.StatePath)); // no change hidden from the next run

        // 3. The next run (normal file) sends every change and cleans up the killed run's temporary file.
        File.WriteAllText(a.SourcePath, changed);
        a.WriteSpec(a.SourcePath, maxChangeShare: 1);
        var (code, stdout, stderr) = await a.RunAsync("sync", a.SpecPath, "--output", "json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var counts = doc.RootElement.GetProperty("counts");
        Assert.Equal(rows, counts.GetProperty("changed").GetInt64());
        Assert.Equal(rows, counts.GetProperty("written").GetInt64());
        Assert.Equal(rows + 1, File.ReadAllLines(a.FeedPath).Length);
        Assert.Contains("\t1.50 USD\t", File.ReadAllText(a.FeedPath), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(a.OutFolder, ".*"));
    }
}
