using System.CommandLine;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Service;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Commands;

/// <summary>
/// <c>gsagent run</c>: the agent worker in the foreground (also what the systemd unit and the Windows service start).
/// Stops on SIGTERM/Ctrl+C after its runs finished or were cancelled within the grace period. Exits
/// <see cref="ExitCodes.Revoked"/> when the hub revoked the key, without contacting the hub again on later starts.
/// </summary>
internal sealed class RunCommand(TextWriter stderr)
{
    public static Command Create()
    {
        var configDir = CommandOutput.ConfigDirOption();
        var command = new Command("run", "Run the agent in the foreground: heartbeat, take work from the hub, run jobs, deliver results and logs.")
        {
            configDir,
        };
        command.SetAction((parse, ct) => new RunCommand(Console.Error).RunAsync(AgentFolder.Resolve(parse.GetValue(configDir)), [.. parse.UnmatchedTokens], null, ct));
        return command;
    }

    /// <summary>Runs the agent until stopped; <paramref name="configure"/> lets tests replace services.</summary>
    public async Task<int> RunAsync(AgentFolder folder, string[] args, Action<IServiceCollection>? configure, CancellationToken cancellationToken)
    {
        var output = new CommandOutput(TextWriter.Null, stderr, "run", json: false);
        return await output.RunAsync(async () =>
        {
            if (await StatusCommand.ReadStatusFileAsync(folder, cancellationToken) is { Revoked: true } revoked)
            {
                throw new AgentFailure(ExitCodes.Revoked, "revoked",
                    $"The hub revoked this agent's key ({revoked.LastError}). Enroll it again with a new token: gsagent enroll --force --hub URL --token TOKEN");
            }

            IHost host;
            try
            {
                host = await AgentHost.BuildAsync(folder, args, configure, cancellationToken);
            }
            catch (OptionsValidationException ex)
            {
                throw new AgentFailure(ExitCodes.ConfigurationError, "bad-settings", "Invalid settings: " + string.Join(" ", ex.Failures));
            }

            using (host)
            {
                var outbox = host.Services.GetRequiredService<Outbox.AgentOutbox>();
                var revocation = host.Services.GetRequiredService<RevocationMonitor>();
                try
                {
                    await host.StartAsync(cancellationToken);
                    await host.WaitForShutdownAsync(cancellationToken);
                }
                catch (OptionsValidationException ex)
                {
                    throw new AgentFailure(ExitCodes.ConfigurationError, "bad-settings", "Invalid settings: " + string.Join(" ", ex.Failures));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopped before the host finished starting.
                    await host.StopAsync(CancellationToken.None);
                }
                finally
                {
                    await outbox.DisposeAsync();
                }

                if (revocation.IsRevoked)
                {
                    throw new AgentFailure(ExitCodes.Revoked, "revoked",
                        $"The hub revoked this agent's key ({revocation.Message}); the agent stopped. Enroll it again with a new token: gsagent enroll --force --hub URL --token TOKEN");
                }
            }

            return ExitCodes.Success;
        });
    }
}
