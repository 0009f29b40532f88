using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Replies;
using ChatBot.Core.Screening;
using ChatBot.DingTalk;
using ChatBot.DingTalk.Api;
using ChatBot.Host.Demo;
using ChatBot.Host.Hosting;
using ChatBot.Inference;
using ChatBot.WeCom;
using ChatBot.WeCom.Api;
using ChatBot.WeCom.Crypto;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.Host.Cli;

/// <summary>
/// <c>doctor</c>: reads the same settings as the bot and checks what makes "received but no reply" — each with a
/// plain verdict and the fix. Settings valid; each channel's keys and a round trip of its own crypto; API hosts
/// reachable; access tokens obtainable (40001, 40013, 60020 explained); an app where group @-mentions need the AI
/// bot; Redis reachable, its version and persistence; the model file; the admin files; memory for the model.
/// Exit 1 when anything fails; <c>--json</c> for scripts.
/// </summary>
internal static partial class DoctorCommand
{
    private enum Verdict
    {
        Pass,
        Warn,
        Fail,
        Skip,
    }

    private sealed record Finding(string Check, Verdict Verdict, string Detail, string? Fix = null);

    public static Command Create()
    {
        var json = CliVerbs.Flag("json", "the findings as JSON, for scripts");
        Command command = new("doctor", "Check the settings, each channel's keys, platform access and tokens, Redis, the model file and the admin files, with a verdict and the fix for each; exit 1 when anything fails.")
        {
            json,
        };

        // Anything else on the line is configuration for the bot being checked (--Inference:ModelPath=…), as for the bot.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, _) => RunAsync([.. result.UnmatchedTokens], result.GetValue(json)));
        return command;
    }

    public static async Task<int> RunAsync(string[] args, bool json)
    {
        var findings = new List<Finding>();
        WebApplication? app = null;
        var stdout = Console.Out;
        try
        {
            // The bot's own start-up prints (the demo banner) are not the doctor's report.
            Console.SetOut(TextWriter.Null);
            app = BotHost.Build(args, builder => builder.Logging.ClearProviders());
            findings.Add(new("settings", Verdict.Pass, "every option is valid"));
        }
        catch (Exception error) when (StartupFailure.IsConfigurationProblem(error))
        {
            findings.AddRange(StartupFailure.ProblemsOf(error).Select(p => new Finding("settings", Verdict.Fail, p, "set it as appsettings.template.json documents it")));
        }
        finally
        {
            Console.SetOut(stdout);
        }

        if (app is not null)
        {
            await using (app)
            {
                await CheckAsync(app.Services, findings);
            }
        }

        Print(findings, json);
        return findings.Any(f => f.Verdict == Verdict.Fail) ? 1 : 0;
    }

    private static async Task CheckAsync(IServiceProvider services, List<Finding> findings)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var demo = DemoProfile.IsEnabled(configuration);
        var wecom = services.GetRequiredService<IOptions<WeComOptions>>().Value;
        var dingtalk = services.GetRequiredService<IOptions<DingTalkOptions>>().Value;

        if (wecom.AiBot.Enabled && wecom.AiBot.Mode == WeComAiBotMode.Callback)
        {
            findings.Add(RoundTrip("wecom-aibot keys", wecom.AiBot.Token, wecom.AiBot.EncodingAesKey, ""));
        }

        if (wecom.App.Enabled)
        {
            findings.Add(RoundTrip("wecom-app keys", wecom.App.Token, wecom.App.EncodingAesKey, wecom.App.CorpId));
            if (!wecom.AiBot.Enabled)
            {
                findings.Add(new("group @-mentions", Verdict.Warn, "only the self-built app is configured: apps receive no group messages, so an @-mention in a group never reaches the bot",
                    "configure the AI bot (WeCom:AiBot:*) for groups; the app serves direct messages"));
            }
        }

        if (!wecom.AiBot.Enabled && !wecom.App.Enabled && !dingtalk.Enabled)
        {
            findings.Add(new("channels", Verdict.Warn, "every channel is off: the bot answers nobody", "set a channel's secrets (see appsettings.template.json), or Demo:Enabled=true to try it locally"));
        }

        if (demo)
        {
            findings.Add(new("platform APIs", Verdict.Skip, "demo profile: answers go to the local outbox, no platform is called"));
        }
        else
        {
            if (wecom.App.Enabled)
            {
                findings.Add(await ReachableAsync("wecom api host", wecom.ApiBaseUrl));
                findings.Add(await TokenAsync("wecom-app token", () => services.GetRequiredService<WeComApiClient>().TokenAsync(CancellationToken.None), WeComTokenHelp));
            }

            if (dingtalk.Enabled)
            {
                findings.Add(await ReachableAsync("dingtalk api host", dingtalk.ApiBaseUrl));
                findings.Add(await TokenAsync("dingtalk token", () => services.GetRequiredService<DingTalkApiClient>().TokenAsync(CancellationToken.None),
                    _ => "check DingTalk:ClientId and DingTalk:ClientSecret (the app's AppKey and AppSecret)"));
            }
        }

        findings.Add(await RedisAsync(services));
        if (services.GetRequiredService<IOptions<QueueOptions>>().Value.RunWorkers)
        {
            findings.Add(Model(services.GetRequiredService<IOptions<InferenceOptions>>().Value));
            findings.Add(HugePages(services.GetRequiredService<IOptions<InferenceOptions>>().Value));
        }
        else
        {
            findings.Add(new("model", Verdict.Skip, "intake-only instance (Queue:RunWorkers=false): no model is loaded; the workers answer"));
        }
        findings.AddRange(AdminFiles(services));
    }

    private static Finding RoundTrip(string check, string token, string key, string receiveId)
    {
        try
        {
            var crypto = new WeComCallbackCrypto(token, key, receiveId);
            var sealedText = crypto.Encrypt("doctor round trip");
            var signature = crypto.Sign("1700000000", "nonce", sealedText);
            return crypto.VerifySignature(signature, "1700000000", "nonce", sealedText) && crypto.Decrypt(sealedText).Message == "doctor round trip"
                ? new(check, Verdict.Pass, "token and 43-character EncodingAESKey are well-formed; encrypt → sign → verify → decrypt round-trips")
                : new(check, Verdict.Fail, "the keys do not round-trip", "copy Token and EncodingAESKey again from the console");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            return new(check, Verdict.Fail, ex.Message, "copy Token and EncodingAESKey again from the console");
        }
    }

    private static async Task<Finding> ReachableAsync(string check, Uri api)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(api.Host, api.Port, timeout.Token);
            return new(check, Verdict.Pass, $"{api.Host}:{api.Port} resolves and accepts a connection");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return new(check, Verdict.Fail, $"{api.Host}:{api.Port} is not reachable ({(ex is SocketException s ? s.SocketErrorCode.ToString() : "timed out")})",
                $"allow outbound HTTPS from this machine to {api.Host} (firewall, proxy, DNS)");
        }
    }

    private static async Task<Finding> TokenAsync(string check, Func<Task<string>> fetch, Func<string, string> help)
    {
        try
        {
            await fetch();
            return new(check, Verdict.Pass, "an access token was obtained");
        }
        catch (PlatformApiException ex)
        {
            return new(check, Verdict.Fail, $"the platform refused: {ex.Code}", help(ex.Code));
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException)
        {
            return new(check, Verdict.Fail, $"no answer ({ex.GetType().Name})", "see the host check above");
        }
    }

    private static string WeComTokenHelp(string code) => code switch
    {
        _ when code.Contains("40001", StringComparison.Ordinal) => "40001: the Secret is wrong — copy WeCom:App:Secret again from the app's page (it is per app)",
        _ when code.Contains("40013", StringComparison.Ordinal) => "40013: the CorpId is wrong — WeCom:App:CorpId is on 我的企业 → 企业信息",
        _ when code.Contains("60020", StringComparison.Ordinal) => System.Text.RegularExpressions.Regex.Match(code, @"from ip ([0-9a-fA-F.:]+)") is { Success: true } ip
            ? $"60020: this machine's egress IP {ip.Groups[1].Value} is not trusted — add it under the app's 企业可信IP (开发者接口 → 企业可信IP)"
            : "60020: this machine's egress IP is not trusted — add it under the app's 企业可信IP",
        _ => "check WeCom:App:CorpId and WeCom:App:Secret",
    };

    private static async Task<Finding> RedisAsync(IServiceProvider services)
    {
        if (services.GetService<ConfigurationOptions>() is not { } options)
        {
            return new("redis", Verdict.Pass, "not configured: queue, dedupe and quotas in memory (one instance)");
        }

        try
        {
            var facts = await RedisPersistenceCheck.InspectAsync(options);
            return facts.AppendOnly
                ? new("redis", Verdict.Pass, $"reachable, version {facts.Version}, persists to its append-only file")
                : new("redis", Verdict.Warn, $"reachable, version {facts.Version}, but appendonly is off: acknowledged messages are lost if Redis restarts", "set appendonly yes (deploy/compose/docker-compose.yml does)");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return new("redis", Verdict.Fail, $"not reachable ({ex.GetType().Name})", "check Redis:ConnectionString and that Redis runs");
        }
    }

    private static void Print(List<Finding> findings, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(findings.Select(f => new { check = f.Check, verdict = f.Verdict.ToString().ToLowerInvariant(), detail = f.Detail, fix = f.Fix }),
                new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return;
        }

        var width = findings.Max(f => f.Check.Length);
        foreach (var f in findings)
        {
            Console.WriteLine($"{f.Verdict.ToString().ToUpperInvariant(),-4}  {f.Check.PadRight(width)}  {f.Detail}");
            if (f.Fix is not null && f.Verdict is Verdict.Fail or Verdict.Warn)
            {
                Console.WriteLine($"      {new string(' ', width)}  → {f.Fix}");
            }
        }

        var failed = findings.Count(f => f.Verdict == Verdict.Fail);
        Console.WriteLine(failed == 0 ? "doctor: nothing wrong found." : $"doctor: {failed} problem{(failed == 1 ? "" : "s")} to fix.");
    }
}
