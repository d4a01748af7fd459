using System.Text.Json.Serialization;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub;

/// <summary>The hub's shared plumbing: options, logging, database, identity, API conventions, health.</summary>
internal static class HubHost
{
    /// <summary>Maps the README's <c>--demo</c> switch to <c>Hub:Demo=true</c>.</summary>
    public static string[] ReadDemoSwitch(string[] args) =>
        [.. args.Select(a => a == "--demo" ? "--Hub:Demo=true" : a)];

    public static WebApplicationBuilder AddHubDefaults(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HubOptions>().Bind(builder.Configuration.GetSection(HubOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var hub = builder.Configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });

        services.TryAddSingleton(TimeProvider.System);
        services.AddHubDatabase(builder.Configuration, hub, builder.Environment);

        services.AddHubAuthentication(builder.Environment, hub);
        services.AddScoped<RetailerScope>();
        services.AddSingleton<MasterKey>();
        services.AddDataProtection().SetApplicationName("GrocerySync.Hub").PersistKeysToDbContext<HubDbContext>();
        services.AddOptions<KeyManagementOptions>().Configure<MasterKey>((o, key) => o.XmlEncryptor = new MasterKeyXmlEncryptor(key));
        services.AddSingleton<SecretProtector>();
        services.AddScoped<BrowserSessions>();
        services.AddScoped<CspNonce>();
        services.AddRazorComponents();
        services.AddCascadingAuthenticationState();
        services.AddHubAuthorization();
        services.AddHubRateLimits(hub.RateLimits);
        services.AddCors(o => o.AddDefaultPolicy(p => p.WithOrigins(hub.CorsOrigins).AllowAnyHeader().AllowAnyMethod()));

        services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemDetailsNaming.CamelCaseFieldErrors);
        // Binding failures (malformed JSON, wrong types) reach BadRequestExceptionHandler, which names the field.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<DbUpdateExceptionHandler>();
        services.AddValidation();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false)));
        services.AddOpenApi(o => o.AddDocumentTransformer<BearerSecurityTransformer>());

        services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddDbContextCheck<HubDbContext>("database", tags: ["ready"]);
        return builder;
    }

    public static WebApplication UseHubDefaults(this WebApplication app)
    {
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCors();
        app.UseAuthentication();
        app.UseCurrentUser();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }

    /// <summary>Applies migrations when configured, seeds demo data on an empty demo hub, and logs the set-up.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var hub = app.Services.GetRequiredService<IOptions<HubOptions>>().Value;
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GrocerySync.Hub");
        var provider = DatabaseExtensions.ProviderFor(app.Configuration);
        HubLog.DatabaseProvider(log, provider, hub.ApplyMigrationsOnStart);
        if (hub.ApplyMigrationsOnStart)
        {
            await DatabaseExtensions.MigrateAsync(app.Services, app.Lifetime.ApplicationStopping);
        }

        HubLog.AuthMode(log, app.Services.GetRequiredService<SigningKey>().IsGenerated ? "generated in the data folder" : "from configuration", hub.Auth.AccessTokenLifetime);
        HubLog.SecretsMode(log, app.Services.GetRequiredService<MasterKey>().IsGenerated ? "generated in the data folder" : "from configuration");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = string.Join(", ", app.Urls);
            HubLog.Listening(log, addresses);
        });
        HubLog.MailMode(log, hub.Smtp.IsConfigured ? $"SMTP via {hub.Smtp.Host}:{hub.Smtp.Port} ({hub.Smtp.Security}) as {hub.Smtp.From}" : "no SMTP server configured; invitation links are handed to the inviting admin");
        if (hub.Demo)
        {
            await DemoSeeder.SeedAsync(app.Services, DataDirectory.Resolve(hub, app.Environment), log, app.Lifetime.ApplicationStopping);
            app.Lifetime.ApplicationStarted.Register(() =>
                _ = DemoSeeder.InviteDemoAgentAsync(app.Services, app.Urls.FirstOrDefault() ?? "http://localhost:5080", log, app.Lifetime.ApplicationStopping));
        }
        else
        {
            await Features.Users.FirstAdminSetup.PrepareAsync(app, log);
        }
    }
}
