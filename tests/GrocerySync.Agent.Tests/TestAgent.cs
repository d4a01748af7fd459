using System.Diagnostics;
using GrocerySync.Agent.Commands;
using GrocerySync.Agent.Configuration;

namespace GrocerySync.Agent.Tests;

/// <summary>An agent folder enrolled with a <see cref="HubDouble"/>, and the agent worker running in this process.</summary>
internal sealed class TestAgent : IAsyncDisposable
{
    /// <summary>Short waits so tests see outages and recoveries quickly (no timing is asserted).</summary>
    public static readonly string[] FastSettings =
    [
        "Agent:WorkPollWait=00:00:02",
        "Agent:RetryMaxDelay=00:00:01",
        "Agent:HttpRetries=1",
        "Agent:HttpRetryDelay=00:00:00.100",
        "Agent:ProgressInterval=00:00:00.300",
        "Logging:Console:LogLevel:Default=Warning",
        "Logging:Console:LogLevel:Polly=Error",
    ];

    private CancellationTokenSource? _stop;
    private Task<int>? _running;

    private TestAgent(string root) => Folder = new AgentFolder(root);

    public AgentFolder Folder { get; }

    public string Root => Folder.Root;

    public StringWriter Errors { get; } = new();

    /// <summary>A fresh folder (not enrolled).</summary>
    public static TestAgent Create() => new(Directory.CreateTempSubdirectory("gs-agent-home-").FullName);

    /// <summary>A fresh folder enrolled with the hub through the real enroll command.</summary>
    public static async Task<TestAgent> EnrollAsync(HubDouble hub)
    {
        var agent = Create();
        await agent.EnrollAsync(hub, hub.NewToken());
        return agent;
    }

    public async Task<(int Code, string Stdout, string Stderr)> EnrollAsync(HubDouble hub, string token, bool force = false)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var output = new CommandOutput(stdout, stderr, "enroll", json: false);
        var code = await output.RunAsync(() => new EnrollCommand(output, TimeProvider.System)
            .RunAsync(hub.Url.ToString(), token, Folder, force, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(code == 0, stderr.ToString());
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Starts <c>gsagent run</c> in this process with the fast settings plus <paramref name="settings"/> (<c>Key=Value</c>).</summary>
    public void Start(params string[] settings)
    {
        Assert.Null(_running);
        _stop = new CancellationTokenSource();
        var args = FastSettings.Concat(settings).ToArray();
        _running = Task.Run(() => new RunCommand(Errors).RunAsync(Folder, args, null, _stop.Token));
    }

    /// <summary>Asks the agent to stop (as SIGTERM would) and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        var running = _running ?? throw new InvalidOperationException("not running");
        await _stop!.CancelAsync();
        var code = await running.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        _running = null;
        _stop.Dispose();
        return code;
    }

    /// <summary>Waits for the agent to exit by itself (e.g. revoked).</summary>
    public async Task<int> WaitForExitAsync()
    {
        var running = _running ?? throw new InvalidOperationException("not running");
        var code = await running.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        _running = null;
        return code;
    }

    public async ValueTask DisposeAsync()
    {
        if (_running is not null)
        {
            await StopAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Waiting for a condition without asserting how long it takes.</summary>
internal static class Eventually
{
    public static Task TrueAsync(Func<bool> condition, string what, int seconds = 60) => TrueAsync(() => Task.FromResult(condition()), what, seconds);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"Timed out after {seconds} s waiting for: {what}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
