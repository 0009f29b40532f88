using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Observability;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.Tests.Shared;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.EndToEnd;

/// <summary>
/// The citation a policy answer carries names the passage the answer was written from, through the real host: the
/// search puts first the passage holding most of the question's words, and the model, given the prompt's passages,
/// answers from another; the reply's source line and quote follow the answer, and an answer that says the documents
/// do not cover the question names the section as related, not as its source.
/// </summary>
public sealed class AnswerCitationTests : IDisposable
{
    private readonly string _docs = Directory.CreateTempSubdirectory("chatbot-cited").FullName;
    private readonly RecordingReplySender _replies = new();

    public AnswerCitationTests() => File.WriteAllText(Path.Combine(_docs, "pay.md"), """
        # 薪酬福利管理办法
        ## 2.2 发薪日
        每月10日发放上月工资，遇法定节假日或休息日提前至最近一个工作日发放。工资条在发薪当日推送。
        ## 3.3 补充医疗保险
        员工的配偶和子女可自愿加保，费用为每人每年600元，从当年11月工资中扣除。理赔材料在线提交，约10个工作日到账。
        """);

    public void Dispose() => Directory.Delete(_docs, recursive: true);

    [Theory]
    [InlineData("每月10日发放上月工资，遇到节假日会提前到最近的工作日发放。", "来源", "2.2 发薪日", "每月10日发放上月工资，遇法定节假日或休息日提前至最近一个工作日发放。", "moved")]
    [InlineData("嗯嗯好的呢", "来源", "3.3 补充医疗保险", "员工的配偶和子女可自愿加保，费用为每人每年600元，从当年11月工资中扣除。", "first")] // says nothing of either: the search's first
    [InlineData("制度中没有相关规定，建议咨询人力资源部。", "相关条款", "3.3 补充医疗保险", "员工的配偶和子女可自愿加保", "related")] // no rule: the section is only related
    public async Task A_policy_answer_cites_the_passage_it_was_written_from(string answer, string label, string section, string quote, string cited)
    {
        var model = new ScriptedChatClient(answer);
        using var app = new ChatBotApp().WithServices(_replies.Register)
            .With("Knowledge:Folder", _docs)
            .With("Knowledge:LexiconFile", RepoPaths.Lexicon)
            .With("Knowledge:ThesaurusFile", RepoPaths.Thesaurus)
            .With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<IChatClient>(model));
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("93001", "工资每个月几号到账", user: "payday"));

        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 30);
        var reply = _replies.Sent[0].Text;
        // The model was given both passages, the insurance clause first.
        var prompt = string.Join("\n", Assert.Single(model.Prompts));
        Assert.True(prompt.IndexOf("3.3 补充医疗保险", StringComparison.Ordinal) is var insurance and >= 0
            && insurance < prompt.IndexOf("2.2 发薪日", StringComparison.Ordinal), prompt);
        Assert.StartsWith(answer, reply, StringComparison.Ordinal);
        Assert.Contains($"\n{label}：薪酬福利管理办法 › {section}（pay.md）", reply, StringComparison.Ordinal);
        Assert.Single(new[] { "来源：", "相关条款：" }, l => reply.Contains(l, StringComparison.Ordinal));
        Assert.Contains($"「{quote}", reply, StringComparison.Ordinal); // the quote opens with the clause the answer says
        // The operator sees how the citation was chosen, which only the real model's answers can tell.
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(1, MetricsTests.Value(metrics, "chatbot_knowledge_citations_total", $"cited=\"{cited}\""));
        Assert.Equal(1, MetricsTests.Value(metrics, "chatbot_knowledge_citations_total"));
    }
}
