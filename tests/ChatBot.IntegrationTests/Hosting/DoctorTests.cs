using System.Text.Json;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary><c>doctor</c> as an admin runs it: passes on the demo profile, and names each class of mistake with its fix and exit code 1.</summary>
public sealed class DoctorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-doctor").FullName;

    public DoctorTests()
    {
        foreach (var file in new[] { "quotas.json", "sensitive-words.txt", "knowledge-synonyms.txt", "system-prompt.md" })
        {
            File.Copy(RepoPaths.Config(file), Path.Combine(_folder, file));
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Dictionary<string, string?> Settings(params (string Key, string? Value)[] changes)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Inference:ModelPath"] = TestModels.Tiny,
            ["Quotas:PolicyFile"] = Path.Combine(_folder, "quotas.json"),
            ["Screening:WordListFile"] = Path.Combine(_folder, "sensitive-words.txt"),
            ["Knowledge:SynonymsFile"] = Path.Combine(_folder, "knowledge-synonyms.txt"),
            ["Knowledge:Folder"] = Path.Combine(_folder, "knowledge"),
            ["Answers:SystemPromptFile"] = Path.Combine(_folder, "system-prompt.md"),
            ["Audit:Folder"] = Path.Combine(_folder, "audit"),
            ["Queue:EnvelopeKey"] = Pipeline.SlowRedisTests.EnvelopeKey,
            ["Privacy:PseudonymKey"] = ChatBotApp.PseudonymKey,
        };
        foreach (var (key, value) in changes)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task The_demo_profile_passes_and_json_is_for_scripts()
    {
        var (output, _, exit) = await BotProcess.RunVerbAsync(Settings(("Demo:Enabled", "true"), ("Demo:KeyFile", Path.Combine(_folder, "demo-keys.json"))), "doctor", "--json");

        Assert.Equal(0, exit);
        using var findings = JsonDocument.Parse(output);
        var verdicts = findings.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("check").GetString()!, f => f.GetProperty("verdict").GetString());
        Assert.Equal("pass", verdicts["settings"]);
        Assert.Equal("pass", verdicts["wecom-aibot keys"]);
        Assert.Equal("pass", verdicts["wecom-app keys"]);
        Assert.Equal("warn", verdicts["model"]); // the synthetic test model, said as such
        Assert.Equal("pass", verdicts["huge pages"]); // this machine's kernel: transparent huge pages on madvise
        Assert.DoesNotContain("fail", verdicts.Values);
    }

    [Theory]
    [InlineData("WeCom:AiBot:EncodingAesKey", "tooShortKey", "WeCom:AiBot:EncodingAesKey must be the 43-character")]
    [InlineData("Inference:ModelPath", "/nowhere/model.gguf", "Inference:ModelPath '/nowhere/model.gguf' does not exist")]
    [InlineData("Redis:ConnectionString", "127.0.0.1:1,connectTimeout=500", "redis")]
    [InlineData("quotas", """{ "dailyLimit": "many" }""", "quotas.json")]
    public async Task Each_class_of_mistake_fails_with_the_key_named(string key, string value, string named)
    {
        var settings = Settings(("WeCom:AiBot:Token", "AiBotToken123"), ("WeCom:AiBot:EncodingAesKey", ChatBotApp.AiBotKey));
        if (key == "quotas")
        {
            File.WriteAllText(Path.Combine(_folder, "quotas.json"), value);
        }
        else
        {
            settings[key] = value;
        }

        var (output, _, exit) = await BotProcess.RunVerbAsync(settings, "doctor");

        Assert.Equal(1, exit);
        Assert.Contains(output.Split('\n'), line => line.StartsWith("FAIL", StringComparison.Ordinal) && line.Contains(named, StringComparison.Ordinal));
        Assert.Contains("to fix", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untrusted_ip_is_printed_to_add_and_a_model_that_is_not_the_expected_file_fails()
    {
        await using var wecom = new FakeWeCom(ChatBotApp.CorpId, "test-app-secret", ChatBotApp.AgentId);
        await wecom.StartAsync();
        // WeCom's own answer to a call from an address outside the app's trusted IPs.
        wecom.Inject(Fault.Json("""{"errcode":60020,"errmsg":"not allow to access from your ip, hint: [1700000000_1_abc], from ip: 203.0.113.7, more info at https://open.work.weixin.qq.com/devtool/query?e=60020"}"""));
        var (output, _, exit) = await BotProcess.RunVerbAsync(Settings(
            ("WeCom:ApiBaseUrl", wecom.BaseUrl.ToString()), ("WeCom:App:CorpId", ChatBotApp.CorpId), ("WeCom:App:AgentId", ChatBotApp.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("WeCom:App:Token", ChatBotApp.AppToken), ("WeCom:App:EncodingAesKey", ChatBotApp.AppKey), ("WeCom:App:Secret", "test-app-secret"),
            ("WeCom:AiBot:Token", "AiBotToken123"), ("WeCom:AiBot:EncodingAesKey", ChatBotApp.AiBotKey), ("Inference:ModelSha256", new string('0', 64))), "doctor");

        Assert.Equal(1, exit);
        Assert.Contains("egress IP 203.0.113.7 is not trusted", output, StringComparison.Ordinal);
        Assert.Contains("is not Inference:ModelSha256", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_token_is_explained_and_an_app_without_the_ai_bot_is_warned_about()
    {
        await using var wecom = new FakeWeCom(ChatBotApp.CorpId, "the-real-secret", ChatBotApp.AgentId);
        await wecom.StartAsync();
        var (output, _, exit) = await BotProcess.RunVerbAsync(Settings(
            ("WeCom:ApiBaseUrl", wecom.BaseUrl.ToString()), ("WeCom:App:CorpId", ChatBotApp.CorpId), ("WeCom:App:AgentId", ChatBotApp.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("WeCom:App:Token", ChatBotApp.AppToken), ("WeCom:App:EncodingAesKey", ChatBotApp.AppKey), ("WeCom:App:Secret", "a-wrong-secret")), "doctor");

        Assert.Equal(1, exit);
        Assert.Contains("PASS  wecom api host", output, StringComparison.Ordinal);
        Assert.Contains("40001: the Secret is wrong", output, StringComparison.Ordinal);
        Assert.Contains("WARN  group @-mentions", output, StringComparison.Ordinal);
        Assert.DoesNotContain("a-wrong-secret", output, StringComparison.Ordinal);
    }
}
