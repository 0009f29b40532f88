using ChatBot.Inference;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.Tests.Shared;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.EndToEnd;

/// <summary>
/// Policy questions through the real host and the tiny model, on the public sample's documents: a DM is answered
/// from the documents with the code's citation; an unanswerable DM is refused, and one the documents half cover is
/// told "not sure" with the closest sections quoted, both without a model call and without using quota, in the
/// question's language; a question typed in traditional characters is answered as its simplified twin; in a group
/// the general assistant answers instead.
/// </summary>
public sealed class PolicyAnswerTests : IDisposable
{
    private readonly string _docs = Directory.CreateTempSubdirectory("chatbot-policies").FullName;
    private readonly RecordingReplySender _replies = new();
    private readonly CountingChatClient.Counter _inferences = new();
    private readonly ChatBotApp _app;
    private readonly HttpClient _client;

    public PolicyAnswerTests()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.KnowledgeSample, "docs")))
        {
            File.Copy(file, Path.Combine(_docs, Path.GetFileName(file)));
        }

        _app = new ChatBotApp().WithServices(_replies.Register)
            .With("Knowledge:Folder", _docs)
            .With("Knowledge:SynonymsFile", RepoPaths.Config("knowledge-synonyms.txt"))
            .With("Knowledge:LexiconFile", RepoPaths.Lexicon)
            .With("Knowledge:ThesaurusFile", RepoPaths.Thesaurus)
            .With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<IChatClient>(provider =>
                new CountingChatClient(provider.GetRequiredService<LocalInference>().Client, _inferences)));
        _app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1 }""");
        _client = _app.Start();
    }

    public void Dispose()
    {
        _app.Dispose();
        Directory.Delete(_docs, recursive: true);
    }

    [Theory]
    [InlineData("住宿舍一个月多少钱")]
    [InlineData("住宿舍一個月多少錢")] // typed in traditional characters: answered from the simplified documents alike
    public async Task A_direct_policy_question_is_answered_from_the_documents_with_the_citation(string question)
    {
        await _client.PostAsync(PlatformCallbacks.App("91001", question, user: "newcomer"));

        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 30);
        var reply = _replies.Sent[0].Text;
        Assert.Contains("来源：员工宿舍管理规定 › 二、住宿费用（dormitory.md）", reply, StringComparison.Ordinal);
        Assert.Contains("150元", reply, StringComparison.Ordinal); // the verbatim quote of the rule
        Assert.Equal(1, _inferences.Value);
        // Which document a DM asked about is the asker's business: neither its log line nor its audit line names it.
        Assert.Contains(_app.Logs.Lines, l => l.EventId == 1211 && l.Line.Contains("documents=(not recorded for direct messages)", StringComparison.Ordinal));
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Line.Contains("dormitory.md", StringComparison.Ordinal));
        await QuotaIntakeTests.WaitUntil(() => _app.AuditLines.Any(l => l.Contains("\"outcome\":\"answered\"", StringComparison.Ordinal)), 10);
        Assert.DoesNotContain(_app.AuditLines, l => l.Contains("dormitory.md", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_group_policy_answer_records_its_cited_document()
    {
        await _client.PostAsync(PlatformCallbacks.DingTalk("g-dorm", "住宿舍一个月多少钱", user: "grouper", group: "cidDorm"));

        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 30);
        await QuotaIntakeTests.WaitUntil(() => _app.AuditLines.Any(l => l.Contains("\"outcome\":\"answered\"", StringComparison.Ordinal)), 10);
        Assert.Contains(_app.AuditLines, l => l.Contains("\"outcome\":\"answered\"", StringComparison.Ordinal) && l.Contains("\"documents\":[\"dormitory.md\"]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unanswerable_direct_question_is_refused_without_the_model_and_without_using_quota()
    {
        await _client.PostAsync(PlatformCallbacks.App("91101", "股票期权怎么行权", user: "investor"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 30);
        await _client.PostAsync(PlatformCallbacks.App("91102", "宿舍晚上几点关门", user: "investor"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 2, 30);

        Assert.Equal("制度文件中没有找到相关规定，请直接咨询 HR。", _replies.Sent[0].Text);
        // The daily limit is 1: the refused question gave its charge back, so the next one is answered, not over quota.
        Assert.Contains("四、宿舍纪律", _replies.Sent[1].Text, StringComparison.Ordinal);
        Assert.Equal(1, _inferences.Value);
    }

    [Fact]
    public async Task A_direct_question_the_documents_half_cover_gets_not_sure_with_two_quoted_sections_and_no_model()
    {
        await _client.PostAsync(PlatformCallbacks.App("91201", "宿舍里能养猫吗", user: "catlover"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 30);
        await _client.PostAsync(PlatformCallbacks.App("91202", "Is there afternoon tea on Fridays?", user: "catlover"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 2, 30);
        await _client.PostAsync(PlatformCallbacks.App("91203", "宿舍晚上几点关门", user: "catlover"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 3, 30);

        var unsure = _replies.Sent[0].Text;
        Assert.StartsWith("我不确定制度文件是否回答了这个问题", unsure, StringComparison.Ordinal);
        Assert.Equal(2, unsure.Split("来源：员工宿舍管理规定 › ").Length - 1); // two sections, each cited
        Assert.Contains("「", unsure, StringComparison.Ordinal); // with the clause quoted
        var english = _replies.Sent[1].Text;
        Assert.StartsWith("I am not sure the policy documents answer this", english, StringComparison.Ordinal);
        Assert.Contains("Source: ", english, StringComparison.Ordinal);
        Assert.DoesNotContain("来源", english, StringComparison.Ordinal);
        // Neither used the model nor the daily limit of 1: the third question still had its charge, and is the one inference.
        Assert.Contains("四、宿舍纪律", _replies.Sent[2].Text, StringComparison.Ordinal);
        Assert.Equal(1, _inferences.Value);
        Assert.Contains(_app.Logs.Lines, l => l.EventId == 1211 && l.Line.Contains("decision=Unsure", StringComparison.Ordinal));
        // Only what the model wrote carries the AI disclaimer, after its citation; the documents' quotes do not.
        Assert.DoesNotContain("AI 生成", unsure, StringComparison.Ordinal);
        Assert.DoesNotContain("AI 生成", english, StringComparison.Ordinal);
        Assert.EndsWith("以上内容由 AI 生成，仅供参考。This answer is AI-generated, for reference only.", _replies.Sent[2].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_a_group_a_question_the_documents_do_not_cover_goes_to_the_general_assistant()
    {
        await _client.PostAsync(PlatformCallbacks.DingTalk("g-cat", "宿舍里能养猫吗", user: "grouper", group: "cidTeam"));

        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 30);
        Assert.DoesNotContain("制度文件中没有找到", _replies.Sent[0].Text, StringComparison.Ordinal);
        Assert.Equal(1, _inferences.Value);
    }
}
