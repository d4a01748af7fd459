using System.CommandLine;
using GrocerySync.Agent.Commands;

// gsagent: the GrocerySync agent's command line. One handler class per command under Commands/.
var root = new RootCommand("GrocerySync agent: reads the store's catalog, validates it and publishes what changed.")
{
    SyncCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
