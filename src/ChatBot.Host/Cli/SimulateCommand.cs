using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using ChatBot.Host.Demo;
using ChatBot.Host.Hosting;

namespace ChatBot.Host.Cli;

/// <summary>
/// <c>simulate</c>: plays the platform. Builds a signed, encrypted callback from a text and a user id with the
/// admin's own keys (the demo key file, or the configured ones), posts it to a running bot, prints the outcome,
/// and in the demo profile waits for the answer.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        Command command = new("simulate", "Send a signed, encrypted callback to a running bot as the platform would; print the outcome and, in the demo profile, the answer as it streams.")
        {
            CliVerbs.Value("platform", "wecom-aibot (default), wecom-app or dingtalk"),
            CliVerbs.Value("user", "the sender's user id (alice)"),
            CliVerbs.Value("text", "the message (你好)"),
            CliVerbs.Value("group", "a group chat id: the message is an @-mention there"),
            CliVerbs.Value("url", "the bot's base URL (http://127.0.0.1:5080)"),
            CliVerbs.Value("wait", "seconds to wait for the answer (120)"),
            CliVerbs.Value("keys", "the demo key file (Demo:KeyFile); otherwise the configured channels' keys"),
        };
        command.SetAction((result, _) => RunAsync(CliVerbs.Values(result)));
        return command;
    }

    public static async Task<int> RunAsync(Dictionary<string, string> options)
    {
        var platform = options.GetValueOrDefault("platform", "wecom-aibot");
        var text = options.GetValueOrDefault("text", "你好");
        var user = options.GetValueOrDefault("user", "alice");
        var group = options.GetValueOrDefault("group");
        var baseUrl = new Uri(options.GetValueOrDefault("url", "http://127.0.0.1:5080"));
        var wait = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("wait", "120"), CultureInfo.InvariantCulture));
        // The same files and precedence as the bot it talks to.
        var configuration = SettingsFiles.ForVerbs();
        var keyFile = options.GetValueOrDefault("keys", DemoProfile.KeyFile(configuration));
        var keys = File.Exists(keyFile) ? DemoKeys.LoadOrCreate(keyFile).AsConfiguration() : [];
        string Setting(string key) => configuration[key] is { Length: > 0 } value ? value : keys.GetValueOrDefault(key) ?? "";

        var msgId = platform == "wecom-app"
            ? (BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) & long.MaxValue).ToString(CultureInfo.InvariantCulture)
            : "sim" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var now = DateTimeOffset.UtcNow;
        SimulatedCallback callback;
        try
        {
            callback = platform switch
            {
                "wecom-aibot" => SimulatedCallback.WeComAiBot(Setting("WeCom:AiBot:Token"), Setting("WeCom:AiBot:EncodingAesKey"), msgId, user, text, group, now),
                "wecom-app" => SimulatedCallback.WeComApp(Setting("WeCom:App:Token"), Setting("WeCom:App:EncodingAesKey"), Setting("WeCom:App:CorpId"),
                    int.Parse(Setting("WeCom:App:AgentId"), CultureInfo.InvariantCulture), msgId, user, text, now),
                "dingtalk" => SimulatedCallback.DingTalk(Setting("DingTalk:ClientSecret"), msgId, user, text, group, now,
                    robotCode: Setting("DingTalk:RobotCode") is { Length: > 0 } robotCode ? robotCode : Setting("DingTalk:ClientId")),
                _ => throw new ArgumentException($"--platform must be wecom-aibot, wecom-app or dingtalk; got '{platform}'."),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"Cannot build the callback: {ex.Message} Start the bot once with the demo profile (scripts/run), or pass --keys FILE.");
            return 2;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            // A long-connection mode has no callback URL: the demo's gateway pushes the message over the bot's connection.
            var viaGateway = (platform == "dingtalk" && DemoProfile.StreamMode(configuration, "DingTalk:Mode", "Stream"))
                             || (platform == "wecom-aibot" && DemoProfile.StreamMode(configuration, "WeCom:AiBot:Mode", "LongConnection"));
            response = viaGateway
                ? await http.PostAsJsonAsync(new Uri(DemoGateway.BaseUrl(DemoProfile.GatewayPort(configuration)), $"push/{platform.Replace("wecom-aibot", "wecom", StringComparison.Ordinal)}"),
                    new { msgId, user, text, group })
                : await http.SendAsync(callback.ToRequest(baseUrl));
        }
        catch (HttpRequestException ex)
        {
            Console.Error.WriteLine($"No bot answers at {baseUrl}: {ex.Message}");
            return 1;
        }

        var body = await response.Content.ReadAsStringAsync();
        Console.WriteLine($"{platform} message {msgId} → HTTP {(int)response.StatusCode} in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms {body}");
        if (!response.IsSuccessStatusCode)
        {
            return 1;
        }

        // The answer streams: its words are printed as they arrive, as a WeCom AI-bot user sees them.
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        var shown = "";
        while (Stopwatch.GetTimestamp() < deadline)
        {
            using var reply = await http.GetAsync(new Uri(baseUrl, $"/demo/replies/{Uri.EscapeDataString(msgId)}"));
            if (reply.StatusCode == System.Net.HttpStatusCode.OK)
            {
                var sofar = await reply.Content.ReadAsStringAsync();
                if (shown.Length == 0)
                {
                    Console.WriteLine($"first words after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s:");
                }

                // A stream replaces what it showed when the text before changes (a queue notice, then the answer).
                Console.Write(sofar.StartsWith(shown, StringComparison.Ordinal) ? sofar[shown.Length..] : Environment.NewLine + sofar);
                shown = sofar;
                if (reply.Headers.TryGetValues(DemoProfile.DemoAnswerFinishedHeader, out var finished) && finished.First() == "true")
                {
                    Console.WriteLine();
                    Console.WriteLine($"answer after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
                    return 0;
                }
            }
            else if (reply.StatusCode != System.Net.HttpStatusCode.NoContent)
            {
                Console.WriteLine("Accepted. The bot is not in the demo profile, so the answer went to the platform.");
                return 0;
            }

            await Task.Delay(100);
        }

        Console.Error.WriteLine($"No answer within {wait.TotalSeconds:F0} s.");
        return 1;
    }
}
