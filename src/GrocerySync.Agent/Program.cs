using System.CommandLine;
using GrocerySync.Agent.Commands;

// gsagent: the GrocerySync agent's command line. One handler class per command under Commands/.
var root = new RootCommand("GrocerySync agent: reads the store's catalog, validates it and publishes what changed.")
{
    EnrollCommand.Create(),
    RunCommand.Create(),
    StatusCommand.Create(),
    InstallCommand.CreateInstall(),
    InstallCommand.CreateUninstall(),
    SyncCommand.Create(),
};

var parse = root.Parse(args);

// `run` stops through the host's own lifetime (SIGTERM, Ctrl+C, the service manager), which waits for runs within the
// grace period; System.CommandLine's termination timeout would end the process before that.
var configuration = parse.CommandResult.Command.Name == "run" ? new InvocationConfiguration { ProcessTerminationTimeout = null } : null;
return await parse.InvokeAsync(configuration);
