using ChatBot.Core.Knowledge.Access;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.EndToEnd;

/// <summary>
/// Documents limited to departments, through the real host: the asker's departments come from the platform's
/// directory (fake WeCom user/get and DingTalk topapi/v2/user/get over loopback), an insider is answered and cited,
/// an outsider never sees the passage, and a directory that cannot answer keeps the documents hidden.
/// </summary>
public sealed class RestrictedDocumentTests : IAsyncLifetime
{
    private const string Question = "每年什么时候调薪";
    private readonly FakeWeCom _wecom = new(ChatBotApp.CorpId, "test-app-secret", ChatBotApp.AgentId);
    private readonly FakeDingTalk _dingtalk = new(ChatBotApp.DingTalkClientId, ChatBotApp.DingTalkSecret);
    private readonly string _docs = Directory.CreateTempSubdirectory("chatbot-restricted").FullName;
    private readonly RecordingReplySender _replies = new();
    private ChatBotApp _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_docs, "pay"));
        File.WriteAllText(Path.Combine(_docs, "pay", "salary.md"), "# 薪酬管理办法\n## 第一条 调薪\n每年3月统一调薪，调薪幅度按绩效等级确定，最高为基本工资的15%。");
        File.WriteAllText(Path.Combine(_docs, "attendance.md"), "# 考勤制度\n## 一、打卡\n员工上下班须在企业微信打卡。");
        File.WriteAllText(Path.Combine(_docs, AccessFile.FileName), """{ "pay/": { "departments": ["wecom:5", "dingtalk:300"] } }""");
        _wecom.Departments["hr-li"] = [5];
        _wecom.Departments["dev-wang"] = [7, 8];
        _dingtalk.Departments["staff300"] = [300];
        await _wecom.StartAsync();
        await _dingtalk.StartAsync();
        _app = new ChatBotApp().WithServices(_replies.Register)
            .With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString())
            .With("DingTalk:ApiBaseUrl", _dingtalk.BaseUrl.ToString())
            .With("DingTalk:OapiBaseUrl", _dingtalk.BaseUrl.ToString())
            .With("Knowledge:Folder", _docs)
            .With("Knowledge:SynonymsFile", RepoPaths.Config("knowledge-synonyms.txt"))
            .With("Inference:WarmUp", "false");
        _client = _app.Start();
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _wecom.DisposeAsync();
        await _dingtalk.DisposeAsync();
        Directory.Delete(_docs, recursive: true);
    }

    [Fact]
    public async Task An_insider_is_answered_from_a_restricted_document_and_an_outsider_never_sees_it()
    {
        await _client.PostAsync(PlatformCallbacks.App("ra-1", Question, user: "hr-li"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 30);
        await _client.PostAsync(PlatformCallbacks.App("ra-2", Question, user: "dev-wang"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 2, 30);
        await _client.PostAsync(PlatformCallbacks.App("ra-3", "调薪幅度最高多少", user: "hr-li"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 3, 30);

        Assert.Contains("薪酬管理办法 › 第一条 调薪（pay/salary.md）", _replies.Sent[0].Text, StringComparison.Ordinal);
        Assert.Contains("15%", _replies.Sent[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("制度文件中没有找到相关规定", _replies.Sent[1].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("15%", _replies.Sent[1].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("薪酬", _replies.Sent[1].Text, StringComparison.Ordinal);
        Assert.Contains("pay/salary.md", _replies.Sent[2].Text, StringComparison.Ordinal);
        Assert.Equal(2, _wecom.DirectoryLookups); // hr-li's departments were asked once and cached
    }

    [Fact]
    public async Task A_DingTalk_asker_is_looked_up_in_DingTalk_s_directory()
    {
        await _client.PostAsync(PlatformCallbacks.DingTalk("rd-1", Question, user: "staff300"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 30);
        await _client.PostAsync(PlatformCallbacks.DingTalk("rd-2", Question, user: "staff301"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 2, 30);

        Assert.Contains("pay/salary.md", _replies.Sent[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("制度文件中没有找到相关规定", _replies.Sent[1].Text, StringComparison.Ordinal);
        Assert.Contains(_app.Logs.Lines, l => l.EventId == 1504 && l.Line.Contains("user/get errcode 60121", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_the_directory_cannot_answer_restricted_documents_stay_hidden()
    {
        // WeCom is down for the first lookup: the token call fails through all its retries.
        _wecom.Inject(Fault.Http(503), Fault.Http(503), Fault.Http(503), Fault.Http(503));
        await _client.PostAsync(PlatformCallbacks.App("rf-1", Question, user: "hr-li"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 60);
        // A user the directory does not know (60111).
        await _client.PostAsync(PlatformCallbacks.App("rf-2", Question, user: "ghost"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 2, 30);

        Assert.All(_replies.Sent, r => Assert.StartsWith("制度文件中没有找到相关规定", r.Text, StringComparison.Ordinal));
        Assert.Contains(_app.Logs.Lines, l => l.EventId == 1504 && l.Line.Contains("user/get errcode 60111", StringComparison.Ordinal));
        Assert.Equal(2, _app.Logs.Lines.Count(l => l.EventId == 1504));
    }
}
