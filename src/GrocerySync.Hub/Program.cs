using GrocerySync.Hub;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Features.Auth;
using GrocerySync.Hub.Features.Destinations;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Features.Logs;
using GrocerySync.Hub.Features.NotificationRules;
using GrocerySync.Hub.Features.Plugins;
using GrocerySync.Hub.Features.Retailers;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Features.Scheduling;
using GrocerySync.Hub.Features.Sources;
using GrocerySync.Hub.Features.Users;
using GrocerySync.Hub.Security;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(HubHost.ReadDemoSwitch(args));

builder.AddHubDefaults();
builder.Services
    .AddAuth()
    .AddRetailers()
    .AddUsers()
    .AddAgents()
    .AddSources()
    .AddDestinations()
    .AddNotificationRules()
    .AddJobs()
    .AddScheduling(builder.Configuration)
    .AddRuns()
    .AddLogs()
    .AddAudit()
    .AddPlugins()
    .AddAgentProtocol();

var app = builder.Build();

app.UseHubDefaults();

// Closed by default: an API endpoint that forgot to name its policy still needs a signed-in user.
// (Not a fallback policy: that would also close the routing's own 405/415 answers to anonymous callers.)
var api = app.MapGroup("/api/v1").RequireAuthorization().RequireRateLimiting(RateLimits.Api);
api.MapAuthEndpoints();
api.MapSecurityEndpoints();
api.MapRetailersEndpoints();
api.MapUsersEndpoints();
api.MapTwoFactorPolicyEndpoints();
api.MapAgentsEndpoints();
api.MapSourcesEndpoints();
api.MapDestinationsEndpoints();
api.MapNotificationRulesEndpoints();
api.MapJobsEndpoints();
api.MapRunsEndpoints();
api.MapLogsEndpoints();
api.MapRetentionPolicyEndpoints();
api.MapAuditEndpoints();
api.MapPluginsEndpoints();

// The agent protocol: agent keys only (no user tokens), its own rate limits.
app.MapAgentProtocolEndpoints();

// The account's own endpoints also admit the restricted session of a user who must enroll two-factor sign-in first,
// so they sit outside the group whose default policy requires a full session (each names its policy).
app.MapGroup("/api/v1").RequireRateLimiting(RateLimits.Api).MapAccountEndpoints();

app.MapStaticAssets();
app.MapRazorComponents<GrocerySync.Hub.Components.App>();

app.MapOpenApi();
app.MapScalarApiReference("/docs");

await app.PrepareDatabaseAsync();
await app.RunAsync();

/// <summary>The hub's entry point; public so that tests can host it.</summary>
public partial class Program;
