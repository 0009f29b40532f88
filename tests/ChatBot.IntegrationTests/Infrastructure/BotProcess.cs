using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>
/// The bot as its own process (the built ChatBot.Host.dll), configured through the environment as an admin would,
/// so a test can <c>kill -9</c> it mid-job or read its exit code and standard error.
/// </summary>
public sealed class BotProcess : IDisposable
{
    private readonly Process _process;

    private BotProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<string> Output { get; } = new();

    public bool HasExited => _process.HasExited;

    public static string HostDll => Path.Combine(RepoPaths.Root, "src", "ChatBot.Host", "bin", "Release", "net10.0", "ChatBot.Host.dll");

    /// <summary>
    /// The settings every test instance on a shared Redis needs — Redis and the envelope key, the tiny model, and its
    /// own copy of config/ in <paramref name="configDirectory"/> — for a test to add its platform's settings to.
    /// </summary>
    public static Dictionary<string, string?> SharedRedisSettings(string redis, string configDirectory)
    {
        foreach (var file in new[] { "sensitive-words.txt", "system-prompt.md", "quotas.json" })
        {
            File.Copy(RepoPaths.Config(file), Path.Combine(configDirectory, file), overwrite: true);
        }

        return new Dictionary<string, string?>
        {
            ["Redis:ConnectionString"] = redis,
            ["Queue:EnvelopeKey"] = Pipeline.SlowRedisTests.EnvelopeKey,
            ["Inference:ModelPath"] = TestModels.Tiny,
            ["Inference:ParallelSequences"] = "2",
            ["Inference:ContextSize"] = "1024",
            ["Inference:MaxNewTokens"] = "16",
            ["Inference:WarmUp"] = "false",
            // As in ChatBotApp: off unless a test is about it, so a slow first word does not add a message.
            ["Answers:ThinkingNoticeAfter"] = "00:00:00",
        // Likewise the welcome before a direct chat's first answer (DingTalk, WeCom app): on where a test is about it.
        ["Answers:WelcomeInterval"] = "00:00:00",
            ["Privacy:PseudonymKey"] = ChatBotApp.PseudonymKey,
            ["Quotas:PolicyFile"] = Path.Combine(configDirectory, "quotas.json"),
            ["Screening:WordListFile"] = Path.Combine(configDirectory, "sensitive-words.txt"),
            ["Answers:SystemPromptFile"] = Path.Combine(configDirectory, "system-prompt.md"),
        };
    }

    /// <summary>
    /// Adds the WeCom self-built app with <see cref="ChatBotApp"/>'s test keys (secret "test-app-secret", as the fake
    /// WeCom servers are given) to a process's settings; its API at <paramref name="apiBaseUrl"/> when given.
    /// </summary>
    public static Dictionary<string, string?> WithWeComApp(Dictionary<string, string?> settings, Uri? apiBaseUrl = null)
    {
        if (apiBaseUrl is not null)
        {
            settings["WeCom:ApiBaseUrl"] = apiBaseUrl.ToString();
        }

        settings["WeCom:App:CorpId"] = ChatBotApp.CorpId;
        settings["WeCom:App:AgentId"] = ChatBotApp.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["WeCom:App:Token"] = ChatBotApp.AppToken;
        settings["WeCom:App:EncodingAesKey"] = ChatBotApp.AppKey;
        settings["WeCom:App:Secret"] = "test-app-secret";
        return settings;
    }

    /// <summary>The same for one instance on its own, in memory (no Redis): its own copy of config/ in <paramref name="configDirectory"/>.</summary>
    public static Dictionary<string, string?> LocalSettings(string configDirectory)
    {
        var settings = SharedRedisSettings("", configDirectory);
        settings.Remove("Redis:ConnectionString");
        return settings;
    }

    /// <summary>Runs a verb of the bot's executable (<c>knowledge search …</c>, <c>audit …</c>) to its end, as an admin would.</summary>
    public static Task<(string Output, string Error, int Exit)> RunVerbAsync(params string[] args) => RunVerbAsync(new Dictionary<string, string?>(), args);

    /// <summary>Runs a verb with these settings (Section:Key) in its environment, as the bot's own would be.</summary>
    public static async Task<(string Output, string Error, int Exit)> RunVerbAsync(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        foreach (var arg in (string[])[HostDll, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return ((await output).Trim(), await error, process.ExitCode);
    }

    /// <summary>Starts the bot with these settings (Section:Key) and returns once the process is running.</summary>
    /// <param name="launcher">A command the bot runs under (prlimit, setpriv …), as an init system would start it.</param>
    public static BotProcess Start(IReadOnlyDictionary<string, string?> settings, string workingDirectory, params string[] launcher)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(launcher.Length > 0 ? launcher[0] : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in launcher.Length > 0 ? [.. launcher.Skip(1), "dotnet", HostDll] : (string[])[HostDll])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var bot = new BotProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => bot.Output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => bot.Output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bot;
    }

    /// <summary>Waits until /healthz answers; throws with the process's output when it does not.</summary>
    public async Task WaitUntilAliveAsync(TimeSpan within)
    {
        using var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < within && !_process.HasExited)
        {
            try
            {
                if ((await client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("the bot process did not come up: " + string.Join("\n", Output));
    }

    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, as a crash or the OOM killer would end it.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        KillHard();
        _process.Dispose();
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
