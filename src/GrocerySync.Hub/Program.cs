using GrocerySync.Hub;
using GrocerySync.Hub.Features.Auth;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Features.Retailers;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(HubHost.ReadDemoSwitch(args));

builder.AddHubDefaults();
builder.Services
    .AddRetailers()
    .AddJobs();

var app = builder.Build();

app.UseHubDefaults();

var api = app.MapGroup("/api/v1");
api.MapAuthEndpoints();
api.MapRetailersEndpoints();
api.MapJobsEndpoints();

app.MapOpenApi().AllowAnonymous();
app.MapScalarApiReference("/docs").AllowAnonymous();

await app.PrepareDatabaseAsync();
await app.RunAsync();

/// <summary>The hub's entry point; public so that tests can host it.</summary>
public partial class Program;
