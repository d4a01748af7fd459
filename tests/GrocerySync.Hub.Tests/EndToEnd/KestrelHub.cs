using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Features.Dispatch;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace GrocerySync.Hub.Tests.EndToEnd;

/// <summary>
/// The real hub on a real Kestrel port of loopback, for a real agent in another process. Its clock (and its
/// scheduler's and lease sweeper's) is a fake one the test moves; transport timing (long-polls, heartbeat batching)
/// stays on the real clock. It can stop and start again on the same port and database, as a restarted hub would.
/// </summary>
internal sealed class KestrelHub : IAsyncDisposable
{
    /// <summary>The shortest lease the hub allows; an agent heartbeating every 5 s (the shortest interval) gets 15 s.</summary>
    public const int LeaseSeconds = 10;

    /// <summary>The shortest heartbeat interval an agent may have.</summary>
    public const int HeartbeatIntervalSeconds = 5;

    /// <summary>The lease of a run of an agent with <see cref="HeartbeatIntervalSeconds"/>: max(lease, 3 × interval).</summary>
    public static readonly TimeSpan RunLease = TimeSpan.FromSeconds(Math.Max(LeaseSeconds, 3 * HeartbeatIntervalSeconds));

    /// <summary>How often the lease sweeper looks (on the fake clock: every advance of at least this long).</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly HubStorage _storage;
    private HubApp? _app;

    private readonly (string Key, string Value)[] _settings;

    private KestrelHub(HubStorage storage, int port, (string Key, string Value)[] settings)
    {
        _storage = storage;
        Port = port;
        _settings = settings;
    }

    public FakeTimeProvider Clock { get; } = AgentKit.NewClock();

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public DatabaseProvider Provider => _storage.Provider;

    /// <summary>The running hub; a new instance after each restart.</summary>
    public HubApp App => _app ?? throw new InvalidOperationException("The hub is stopped.");

    /// <param name="provider">The database.</param>
    /// <param name="settings">Hub settings on top of the short lease and sweep interval.</param>
    public static async Task<KestrelHub> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite, params (string Key, string Value)[] settings)
    {
        var hub = new KestrelHub(await HubStorage.CreateAsync(provider), FreePort(), settings);
        await hub.StartAppAsync();
        return hub;
    }

    /// <summary>Starts a hub on the port and database of the previous one.</summary>
    public async Task StartAppAsync()
    {
        Assert.Null(_app);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var settings = new Dictionary<string, string?>
                {
                    ["Hub:Runs:LeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Hub:Runs:SweepInterval"] = SweepInterval.ToString(),
                };
                foreach (var (key, value) in _settings)
                {
                    settings[key] = value;
                }

                _app = await HubApp.StartAsync(_storage, new HubAppOptions { Time = Clock, KestrelPort = Port, Settings = settings });
                return;
            }
            catch (IOException ex) when (ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) && watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                // The port of the stopped hub may take a moment to be free again.
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>Stops the hub (Kestrel stops listening: the agent's calls are refused) and keeps its database.</summary>
    public async Task StopAppAsync()
    {
        await App.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await _storage.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
