using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>
/// The demo profile as the README's quick start runs it, from the repository's root with no documents of the admin's
/// own: it indexes the public sample, and <c>simulate</c> gets a policy answer that carries its citation.
/// </summary>
public sealed class DemoPolicyAnswerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-demo-policy").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Simulate_asks_a_policy_question_and_prints_the_cited_answer_from_the_sample()
    {
        var settings = BotProcess.LocalSettings(_folder);
        settings["Demo:Enabled"] = "true";
        settings["Demo:KeyFile"] = Path.Combine(_folder, "demo-keys.json");
        settings["Audit:Folder"] = Path.Combine(_folder, "audit");
        settings["Knowledge:Folder"] = Path.Combine(_folder, "no-documents-yet");
        using var bot = BotProcess.Start(settings, RepoPaths.Root);
        await bot.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = bot.BaseUrl };
        await Pipeline.QuotaIntakeTests.WaitUntil(() => http.GetAsync(new Uri("/readyz", UriKind.Relative)).Result.IsSuccessStatusCode, 30);

        var (output, error, exit) = await BotProcess.RunVerbAsync(settings, "simulate", "--platform", "wecom-app", "--user", "bob",
            "--text", "刚入职要参加什么培训", "--url", bot.BaseUrl.ToString(), "--wait", "60");

        Assert.True(exit == 0, $"{output} {error}");
        Assert.Contains("来源：北岭食品有限公司培训与职业发展管理办法 › 第二条 新员工入职培训（training-development.md）", output, StringComparison.Ordinal);
        Assert.Contains("3个工作日内参加集中入职培训", output, StringComparison.Ordinal); // the quoted clause
        Assert.Contains(bot.Output, line => line.Contains(DemoSample, StringComparison.Ordinal));
    }

    private const string DemoSample = "samples/knowledge-sample/docs";
}
