using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>
/// The demo profile in the long-connection modes, as an admin without a tenant tries them: the bot connects to the
/// demo's loopback gateway as it would to DingTalk and WeCom, and <c>simulate</c> pushes a message through it and
/// gets the answer.
/// </summary>
public sealed class DemoLongConnectionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-demo-lc").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Simulate_drives_dingtalk_stream_and_the_wecom_long_connection_end_to_end()
    {
        var settings = BotProcess.LocalSettings(_folder);
        settings["Demo:Enabled"] = "true";
        settings["Demo:KeyFile"] = Path.Combine(_folder, "demo-keys.json");
        settings["Demo:GatewayPort"] = BotProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["DingTalk:Mode"] = "Stream";
        settings["WeCom:AiBot:Mode"] = "LongConnection";
        using var bot = BotProcess.Start(settings, _folder);
        await bot.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = bot.BaseUrl };
        await Pipeline.QuotaIntakeTests.WaitUntil(() => http.GetAsync(new Uri("/readyz", UriKind.Relative)).Result.IsSuccessStatusCode, 30);

        foreach (var platform in new[] { "dingtalk", "wecom-aibot" })
        {
            var (output, error, exit) = await BotProcess.RunVerbAsync(settings, "simulate", "--platform", platform, "--user", "demo-user", "--text", "你好", "--url", bot.BaseUrl.ToString(), "--wait", "60");
            Assert.True(exit == 0, $"{platform}: {output} {error}");
            Assert.Contains("HTTP 200", output, StringComparison.Ordinal);
            Assert.Contains("answer after", output, StringComparison.Ordinal);
        }

        var ready = await http.GetStringAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Contains("\"dingtalk-stream\":\"connected since", ready, StringComparison.Ordinal);
        Assert.Contains("\"wecom-aibot-long-connection\":\"connected since", ready, StringComparison.Ordinal);
    }
}
