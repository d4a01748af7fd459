using System.Net.Http.Headers;
using System.Net.Http.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using GrocerySync.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GrocerySync.Hub.Tests.Infrastructure;

/// <summary>
/// The real hub in memory, on SQLite (a file in a temp folder) or on PostgreSQL (a fresh database on the
/// server named by GS_TEST_POSTGRES). One app per provider serves the whole test assembly; each test
/// creates its own retailer, so tests run in parallel and never see each other's data.
/// </summary>
internal sealed class HubApp : WebApplicationFactory<Program>
{
    public const string Password = "Correct-Horse-Battery-9";

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("gs-hub-test-").FullName;
    private readonly string? _postgres;
    private readonly string? _postgresDatabase;
    private readonly Action<IWebHostBuilder>? _customize;
    private readonly bool _ownsDatabase = true;

    private HubApp(DatabaseProvider provider, string? postgresAdmin, Action<IWebHostBuilder>? customize = null, string? database = null)
    {
        Provider = provider;
        _customize = customize;
        if (postgresAdmin is not null)
        {
            _ownsDatabase = database is null;
            _postgresDatabase = database ?? $"gs_test_{Guid.NewGuid():N}";
            _postgres = new NpgsqlConnectionStringBuilder(postgresAdmin) { Database = _postgresDatabase }.ConnectionString;
            AdminConnectionString = postgresAdmin;
        }
    }

    public DatabaseProvider Provider { get; }

    private string? AdminConnectionString { get; }

    /// <summary>A hub of its own (not the shared one), e.g. with a fake clock: <paramref name="customize"/> adds settings and services.</summary>
    public static async Task<HubApp> StartAsync(DatabaseProvider provider, Action<IWebHostBuilder>? customize = null)
    {
        var app = provider == DatabaseProvider.Postgres ? new HubApp(provider, ServiceGate.Require("GS_TEST_POSTGRES"), customize) : new HubApp(provider, null, customize);
        return await app.StartCoreAsync();
    }

    /// <summary>A second hub replica on the PostgreSQL database of <paramref name="first"/> (dispose it before the first).</summary>
    public static async Task<HubApp> StartReplicaAsync(HubApp first, Action<IWebHostBuilder>? customize = null)
    {
        var app = new HubApp(first.Provider, first.AdminConnectionString ?? throw new InvalidOperationException("Replicas share a PostgreSQL database."), customize, first._postgresDatabase);
        return await app.StartCoreAsync();
    }

    private async Task<HubApp> StartCoreAsync()
    {
        var app = this;
        if (app._postgresDatabase is not null && app._ownsDatabase)
        {
            await using var connection = new NpgsqlConnection(app.AdminConnectionString);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{app._postgresDatabase}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        app.StartServer();
        app.PlatformAdmin = await app.CreateUserAsync(HubRole.PlatformAdmin, retailerId: null);
        return app;
    }

    /// <summary>A platform admin of this app, signed in.</summary>
    public TestUser PlatformAdmin { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.UseSetting("Hub:DataDirectory", _dataDirectory);
        builder.UseSetting("Hub:Demo", "false");
        builder.UseSetting("Hub:Auth:SigningKey", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)));
        builder.UseSetting("ConnectionStrings:Postgres", _postgres ?? string.Empty);
        // Every test signs its users in from the same in-memory client; the limits have tests of their own.
        builder.UseSetting("Hub:RateLimits:SignInPerMinute", "100000");
        builder.UseSetting("Hub:RateLimits:ApiPerMinute", "1000000");
        builder.UseSetting("Hub:Agents:RequestsPerMinute", "1000000");
        builder.UseSetting("Hub:Agents:EnrollPerMinute", "100000");
        _customize?.Invoke(builder);
    }

    /// <summary>A new retailer with one signed-in user of each retailer role.</summary>
    /// <param name="name">The retailer's name.</param>
    /// <param name="userMarker">When set, the users' display names carry it (tenant-isolation tests look for it in answers).</param>
    public async Task<TestTenant> CreateTenantAsync(string? name = null, string? userMarker = null)
    {
        var slug = $"t-{Guid.NewGuid():N}"[..20];
        var retailer = new Retailer { Name = name ?? $"Retailer {slug}", Slug = slug, TimeZone = "Europe/Amsterdam" };
        await WithDbAsync(db =>
        {
            db.Retailers.Add(retailer);
            return db.SaveChangesAsync();
        });
        return new TestTenant(this, retailer.Id,
            await CreateUserAsync(HubRole.RetailerAdmin, retailer.Id, userMarker is null ? null : $"{userMarker} admin"),
            await CreateUserAsync(HubRole.Technician, retailer.Id, userMarker is null ? null : $"{userMarker} technician"));
    }

    /// <summary>Creates a user through Identity and signs them in through the token endpoint.</summary>
    public async Task<TestUser> CreateUserAsync(HubRole role, Guid? retailerId, string? displayName = null)
    {
        var email = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}@test.grocerysync.test";
        var user = new HubUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = displayName ?? $"{role} user", Role = role, RetailerId = retailerId };
        await using (var scope = Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
            var result = await scope.ServiceProvider.GetRequiredService<UserManager<HubUser>>().CreateAsync(user, Password);
            Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        }

        var anonymous = CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email, password = Password });
        response.EnsureSuccessStatusCode();
        var tokens = await response.Content.ReadFromJsonAsync<TokenPair>();
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens!.AccessToken);
        return new TestUser(user.Id, email, role, retailerId, client, tokens);
    }

    /// <summary>A client without credentials.</summary>
    public HttpClient CreateAnonymousClient() => CreateClient();

    /// <summary>Runs <paramref name="action"/> against the database as the system (no tenant filter).</summary>
    public async Task WithDbAsync(Func<HubDbContext, Task> action)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        await action(scope.ServiceProvider.GetRequiredService<HubDbContext>());
    }

    /// <summary>Queries the database as the system (no tenant filter).</summary>
    public async Task<T> QueryDbAsync<T>(Func<HubDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        return await query(scope.ServiceProvider.GetRequiredService<HubDbContext>());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_postgresDatabase is not null && _ownsDatabase)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }
}

/// <summary>A signed-in user with an HTTP client that sends their access token.</summary>
internal sealed record TestUser(Guid Id, string Email, HubRole Role, Guid? RetailerId, HttpClient Client, TokenPair Tokens);
