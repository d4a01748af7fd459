using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GrocerySync.Tests.Shared;

/// <summary>
/// <c>gsagent</c> as a real child process, started from the copy of the agent's build output that
/// <c>tests/AgentChildProcess.targets</c> puts next to the tests. Standard output and error are read as they come
/// (a full pipe never stalls the agent) and kept for assertions and failure messages.
/// </summary>
/// <remarks>Linked into each test project that starts the agent, by importing <c>tests/AgentChildProcess.targets</c>.</remarks>
internal sealed class AgentChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private AgentChildProcess(Process process) => _process = process;

    /// <summary>
    /// Settings (environment variables) with short waits, so tests see outages, recoveries and dispatches quickly;
    /// no test asserts a duration. The console shows warnings and up.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FastSettings { get; } = new Dictionary<string, string>
    {
        ["Agent__WorkPollWait"] = "00:00:02",
        ["Agent__RetryMaxDelay"] = "00:00:01",
        ["Agent__HttpRetries"] = "1",
        ["Agent__HttpRetryDelay"] = "00:00:00.100",
        ["Agent__ProgressInterval"] = "00:00:00.300",
        ["Logging__Console__LogLevel__Default"] = "Warning",
        ["Logging__Console__LogLevel__Polly"] = "Error",
    };

    /// <summary>The agent from its own build output (see CopyAgentForChildProcesses).</summary>
    public static string AgentDll => Path.Combine(AppContext.BaseDirectory, "agent", "gsagent.dll");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Standard output so far, one line per line.</summary>
    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Standard error so far, one line per line.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet gsagent.dll ARGS</c> with extra environment variables (settings such as <c>Agent__MaxConcurrentRuns</c>).</summary>
    public static AgentChildProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(AgentDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        var process = new Process { StartInfo = psi };
        var child = new AgentChildProcess(process);
        process.OutputDataReceived += (_, e) => Append(child._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(child._stderr, e.Data);
        Assert.True(process.Start(), "dotnet did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs the agent to its end and returns its exit code and output; fails the test when it takes longer than <paramref name="timeout"/> (default 2 min).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        using var child = Start(args, environment, workingDirectory);
        var code = await child.WaitForExitAsync(timeout ?? TimeSpan.FromMinutes(2));
        return (code, child.Stdout, child.Stderr);
    }

    /// <summary>Waits for the process to exit and its output to be read; kills it and fails the test after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            // Also waits for the end of the redirected streams, so the output is complete.
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Kill();
            Assert.Fail($"gsagent did not exit within {timeout.TotalSeconds:N0} s.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits for the process to exit (the test's cancellation only).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Kills the process at once: SIGKILL on Unix, so nothing of the agent runs after it (no shutdown, no flush).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Sends a signal with kill(1), e.g. <c>TERM</c>.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, kill.ExitCode);
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.Append(line).Append('\n');
        }
    }
}
