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
using Microsoft.AspNetCore.TestHost;
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

    private readonly HubStorage _storage;
    private readonly bool _ownsStorage;
    private readonly HubAppOptions _options;

    private HubApp(HubStorage storage, bool ownsStorage, HubAppOptions options)
    {
        _storage = storage;
        _ownsStorage = ownsStorage;
        _options = options;
    }

    public DatabaseProvider Provider => _storage.Provider;

    public static Task<HubApp> StartAsync(DatabaseProvider provider) => StartAsync(provider, new HubAppOptions());

    /// <summary>A hub of its own (not the shared one) on fresh storage that it disposes with itself.</summary>
    public static async Task<HubApp> StartAsync(DatabaseProvider provider, HubAppOptions options) =>
        await StartAsync(await HubStorage.CreateAsync(provider), ownsStorage: true, options);

    /// <summary>A hub on <paramref name="storage"/>, which outlives it: a restart or a second replica uses the same database.</summary>
    public static Task<HubApp> StartAsync(HubStorage storage, HubAppOptions options) => StartAsync(storage, ownsStorage: false, options);

    private static async Task<HubApp> StartAsync(HubStorage storage, bool ownsStorage, HubAppOptions options)
    {
        var app = new HubApp(storage, ownsStorage, options);
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
        builder.UseSetting("Hub:DataDirectory", _storage.DataDirectory);
        builder.UseSetting("Hub:Demo", "false");
        builder.UseSetting("Hub:Auth:SigningKey", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)));
        builder.UseSetting("ConnectionStrings:Postgres", _storage.PostgresConnectionString ?? string.Empty);
        // Every test signs its users in from the same in-memory client; the limits have tests of their own.
        builder.UseSetting("Hub:RateLimits:SignInPerMinute", "100000");
        builder.UseSetting("Hub:RateLimits:ApiPerMinute", "1000000");
        builder.UseSetting("Hub:Agents:RequestsPerMinute", "1000000");
        builder.UseSetting("Hub:Agents:EnrollPerMinute", "100000");
        foreach (var (key, value) in _options.Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            if (_options.Time is { } time)
            {
                services.AddSingleton(time);
            }

            _options.Services?.Invoke(services);
        });
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
        if (_ownsStorage)
        {
            await _storage.DisposeAsync();
        }
    }
}

/// <summary>What a test hub differs in from the shared ones.</summary>
internal sealed record HubAppOptions
{
    /// <summary>The hub's clock (its scheduler's too); the system clock when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Configuration on top of the test defaults, e.g. <c>Hub:Scheduling:InstanceId</c>.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Last-word service registrations (test doubles).</summary>
    public Action<IServiceCollection>? Services { get; init; }
}

/// <summary>
/// Where a test hub keeps its data: a temp data folder (the SQLite file, key files) and, on PostgreSQL, a fresh
/// database on the server named by GS_TEST_POSTGRES. Hubs started on it come and go; it lasts until disposed.
/// </summary>
internal sealed class HubStorage : IAsyncDisposable
{
    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private HubStorage(DatabaseProvider provider, string? adminConnectionString)
    {
        Provider = provider;
        if (adminConnectionString is not null)
        {
            _adminConnectionString = adminConnectionString;
            _databaseName = $"gs_test_{Guid.NewGuid():N}";
            PostgresConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = _databaseName }.ConnectionString;
        }
    }

    public DatabaseProvider Provider { get; }

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("gs-hub-test-").FullName;

    public string? PostgresConnectionString { get; }

    public static async Task<HubStorage> CreateAsync(DatabaseProvider provider)
    {
        var storage = provider == DatabaseProvider.Postgres ? new HubStorage(provider, ServiceGate.Require("GS_TEST_POSTGRES")) : new HubStorage(provider, null);
        if (storage._databaseName is not null)
        {
            await using var connection = new NpgsqlConnection(storage._adminConnectionString);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{storage._databaseName}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return storage;
    }

    public async ValueTask DisposeAsync()
    {
        if (_databaseName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        Directory.Delete(DataDirectory, recursive: true);
    }
}

/// <summary>A signed-in user with an HTTP client that sends their access token.</summary>
internal sealed record TestUser(Guid Id, string Email, HubRole Role, Guid? RetailerId, HttpClient Client, TokenPair Tokens);
