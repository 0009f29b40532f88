using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>
/// A real Redis server on loopback. <see cref="Shared"/> is the one scripts/test started (CHATBOT_TEST_REDIS),
/// split between tests by database number; <see cref="StartOwn"/> starts a private one a test may stop and restart.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private static readonly Lazy<RedisServer> SharedServer = new(() =>
    {
        if (Environment.GetEnvironmentVariable("CHATBOT_TEST_REDIS") is { Length: > 0 } endpoint)
        {
            return new RedisServer(endpoint, owned: false);
        }

        // Run outside scripts/test: start one, and stop it with the test process.
        var own = StartOwn();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => own.Dispose();
        return own;
    });

    private static int _nextDatabase;
    private readonly bool _owned;
    private readonly bool _appendOnly;
    // Only a server this process runs has a data folder; the shared one scripts/test started keeps its own.
    private readonly string? _dataDirectory;
    private Process? _process;

    private RedisServer(string endpoint, bool owned, bool appendOnly = false)
    {
        Endpoint = endpoint;
        _owned = owned;
        _appendOnly = appendOnly;
        _dataDirectory = owned ? Directory.CreateTempSubdirectory("chatbot-redis").FullName : null;
    }

    public static RedisServer Shared => SharedServer.Value;

    public string Endpoint { get; }

    /// <summary>A connection string to a database of its own (1–15) on the shared server, emptied first.</summary>
    public static string IsolatedDatabase()
    {
        var db = 1 + (Interlocked.Increment(ref _nextDatabase) % 15);
        using var mux = ConnectionMultiplexer.Connect(Shared.Endpoint + ",allowAdmin=true");
        mux.GetServer(Shared.Endpoint).FlushDatabase(db);
        return $"{Shared.Endpoint},defaultDatabase={db}";
    }

    /// <param name="appendOnly">Persist every write to the append-only file (fsync always), as deploy/ runs Redis.</param>
    public static RedisServer StartOwn(bool appendOnly = false)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var server = new RedisServer($"127.0.0.1:{port}", owned: true, appendOnly);
        server.Start();
        return server;
    }

    public void Start()
    {
        var dataDirectory = _dataDirectory ?? throw new InvalidOperationException("The shared server is scripts/test's to start and stop.");
        var binary = Environment.GetEnvironmentVariable("CHATBOT_TEST_REDIS_SERVER") is { Length: > 0 } path ? path : "redis-server";
        var port = Endpoint.Split(':')[1];
        var persistence = _appendOnly ? "--appendonly yes --appendfsync always" : "--appendonly no";
        _process = Process.Start(new ProcessStartInfo(binary, $"--bind 127.0.0.1 --port {port} --save \"\" {persistence} --dir \"{dataDirectory}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("redis-server did not start; scripts/setup installs it.");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on {Endpoint} within 10 s.");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>Every key and every value, member, field and element in a database, as text, for the privacy scan.</summary>
    public static async Task<List<string>> DumpAsync(string connectionString)
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
        var options = ConfigurationOptions.Parse(connectionString);
        var db = mux.GetDatabase(options.DefaultDatabase ?? 0);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        var dump = new List<string>();
        await foreach (var key in server.KeysAsync(options.DefaultDatabase ?? 0, pageSize: 500))
        {
            dump.Add("key " + (string?)key);
            switch (await db.KeyTypeAsync(key))
            {
                case RedisType.String:
                    dump.Add((string?)await db.StringGetAsync(key) ?? "");
                    break;
                case RedisType.Hash:
                    dump.AddRange((await db.HashGetAllAsync(key)).Select(e => e.Name + "=" + e.Value));
                    break;
                case RedisType.List:
                    dump.AddRange((await db.ListRangeAsync(key)).Select(v => v.ToString()));
                    break;
                case RedisType.Set:
                    dump.AddRange((await db.SetMembersAsync(key)).Select(v => v.ToString()));
                    break;
                case RedisType.SortedSet:
                    dump.AddRange((await db.SortedSetRangeByRankWithScoresAsync(key)).Select(e => e.Element + ":" + e.Score));
                    break;
                case RedisType.Stream:
                    dump.AddRange((await db.StreamRangeAsync(key)).SelectMany(e => e.Values.Select(v => v.Name + "=" + v.Value)));
                    break;
            }
        }

        return dump;
    }

    public void Dispose()
    {
        if (_owned)
        {
            Stop();
            _process?.Dispose();
            Directory.Delete(_dataDirectory!, recursive: true);
        }
    }
}
