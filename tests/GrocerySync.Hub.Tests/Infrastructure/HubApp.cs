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
        if (options.KestrelPort is { } port)
        {
            app.UseKestrel(port);
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
        builder.UseSetting("Hub:DataDirectory", _storage.DataDirectory);
        builder.UseSetting("Hub:Demo", "false");
        builder.UseSetting("Hub:Auth:SigningKey", _storage.SigningKey);
        builder.UseSetting("ConnectionStrings:Postgres", _storage.PostgresConnectionString ?? string.Empty);
        // Every test signs its users in from the same in-memory client; the limits have tests of their own.
        builder.UseSetting("Hub:RateLimits:SignInPerMinute", "100000");
        builder.UseSetting("Hub:RateLimits:ApiPerMinute", "1000000");
        builder.UseSetting("Hub:Agents:RequestsPerMinute", "1000000");
        builder.UseSetting("Hub:Agents:EnrollPerMinute", "100000");
        if (_options.Time is not null)
        {
            // The scheduler sleeps in real time between looks for due triggers; a fake clock that jumps to an
            // occurrence should not wait for the production default (30 s) to be noticed.
            builder.UseSetting("Hub:Scheduling:IdleWaitTime", "00:00:01");
        }

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

    /// <summary>The folder of this app's SQLite file and generated keys.</summary>
    public string DataDirectory => _storage.DataDirectory;

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

    /// <summary>
    /// Creates a user through Identity and signs them in through the token endpoint. Platform admins must use
    /// two-factor sign-in, so theirs is set up (with <paramref name="twoFactor"/>, anyone's can be) and they sign in with a code.
    /// </summary>
    public async Task<TestUser> CreateUserAsync(HubRole role, Guid? retailerId, string? displayName = null, bool twoFactor = false, bool signIn = true)
    {
        var email = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}@test.grocerysync.test";
        var user = new HubUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = displayName ?? $"{role} user", Role = role, RetailerId = retailerId };
        string? key = null;
        await using (var scope = Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<HubUser>>();
            var result = await users.CreateAsync(user, Password);
            Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
            if (twoFactor || role == HubRole.PlatformAdmin)
            {
                await users.ResetAuthenticatorKeyAsync(user);
                key = await users.GetAuthenticatorKeyAsync(user);
                await users.SetTwoFactorEnabledAsync(user, true);
            }
        }

        if (!signIn)
        {
            return new TestUser(user.Id, email, role, retailerId, CreateClient(), new TokenPair(string.Empty, default, string.Empty, default), key);
        }

        var tokens = await SignInAsync(email, key);
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return new TestUser(user.Id, email, role, retailerId, client, tokens, key);
    }

    /// <summary>Signs in through the token endpoint, with a current code when <paramref name="authenticatorKey"/> is given.</summary>
    public async Task<TokenPair> SignInAsync(string email, string? authenticatorKey, string password = Password)
    {
        var response = await CreateClient().PostAsJsonAsync("/api/v1/auth/token", new { email, password, twoFactorCode = authenticatorKey is null ? null : Totp.Code(authenticatorKey) });
        Assert.True(response.IsSuccessStatusCode, $"Signing in {email} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<TokenPair>())!;
    }

    /// <summary>A client of <paramref name="factory"/> (this app or one derived from it) that sends <paramref name="user"/>'s access token.</summary>
    public static HttpClient ClientFor(WebApplicationFactory<Program> factory, TestUser user)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Tokens.AccessToken);
        return client;
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

    /// <summary>
    /// Serve on a real Kestrel port on loopback (0 picks a free one) instead of the in-memory test server, for clients
    /// in other processes such as a real agent. The app's clients then talk to that port.
    /// </summary>
    public int? KestrelPort { get; init; }

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
            // Many test hubs share one server at once; a small pool per hub keeps them within its max_connections
            // (requests wait for a free connection instead of failing with 53300 when a test fires hundreds at once).
            PostgresConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = _databaseName, MaxPoolSize = 20 }.ConnectionString;
        }
    }

    public DatabaseProvider Provider { get; }

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("gs-hub-test-").FullName;

    public string? PostgresConnectionString { get; }

    /// <summary>The token signing key of every hub on this storage, so replicas and derived apps accept each other's tokens.</summary>
    public string SigningKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));

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
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await drop.ExecuteNonQueryAsync();
                    break;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
                {
                    // An autovacuum worker in the database, which a role without pg_signal_backend may not end: it finishes soon.
                    await Task.Delay(250);
                }
            }
        }

        Directory.Delete(DataDirectory, recursive: true);
    }
}

/// <summary>A signed-in user with an HTTP client that sends their access token.</summary>
internal sealed record TestUser(Guid Id, string Email, HubRole Role, Guid? RetailerId, HttpClient Client, TokenPair Tokens, string? AuthenticatorKey = null);
