using System.Text.Json;
using ChatBot.Core.Privacy;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.EndToEnd;

/// <summary>
/// DingTalk answers streamed through an AI card, through the real host and the fake card API: the card is created once
/// and updated with the whole text so far until a final update carries the whole answer; a card DingTalk refuses falls
/// back to one plain message; an update that times out leaves one complete card and no plain duplicate.
/// </summary>
public sealed class DingTalkCardTests : IAsyncLifetime
{
    private const string Template = "tpl-answer.schema";

    // Plain text (no Markdown), so the card's streamed text and the final plain-text answer read the same.
    private const string Answer = "年假按工龄计算：满一年不满十年的员工每年五天，满十年不满二十年的十天，满二十年的十五天。请在系统里提前三天申请，经直属主管审批后生效。";

    private readonly FakeDingTalk _dingtalk = new(ChatBotApp.DingTalkClientId, ChatBotApp.DingTalkSecret);
    private ChatBotApp _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _dingtalk.StartAsync();
        _dingtalk.CardTemplates[Template] = true;
    }

    public async Task DisposeAsync()
    {
        _app?.Dispose();
        await _dingtalk.DisposeAsync();
    }

    private void Start(string template = Template, int pieceMilliseconds = 100)
    {
        _app = new ChatBotApp()
            .With("DingTalk:ApiBaseUrl", _dingtalk.BaseUrl.ToString())
            .With("DingTalk:AllowedReplyHosts:0", "127.0.0.1")
            .With("DingTalk:StreamingCardTemplateId", template)
            .With("Queue:RetryDelaySeconds:0", "1")
            .With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<IChatClient>(
                new ScriptedChatClient(Answer, betweenPieces: TimeSpan.FromMilliseconds(pieceMilliseconds))));
        _client = _app.Start();
    }

    private Task Ask(string msgId, string? group = null) => _client.PostAsync(SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, msgId, "staff-" + msgId,
        "年假怎么算", group, DateTimeOffset.UtcNow, _dingtalk.Webhook("s-" + msgId), robotCode: ChatBotApp.DingTalkClientId));

    private IEnumerable<string> AuditOutcomes(string msgId) => _app.AuditLines
        .Where(l => l.Contains("\"event\":\"answer\"", StringComparison.Ordinal) && l.Contains(LogId.Hash(msgId), StringComparison.Ordinal))
        .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()!);

    private int LogCount(int eventId) => _app.Logs.Lines.Count(l => l.EventId == eventId);

    [Theory]
    [InlineData(null, "dtv1.card//IM_ROBOT.staff-card-dm")]
    [InlineData("cidCardGroup", "dtv1.card//IM_GROUP.cidCardGroup")]
    public async Task An_answer_streams_through_one_card_in_several_full_updates_and_ends_complete(string? group, string space)
    {
        Start();
        var id = group is null ? "card-dm" : "card-group";
        await Ask(id, group);

        await QuotaIntakeTests.WaitUntil(() => AuditOutcomes(id).Any(), 30);
        var card = Assert.Single(_dingtalk.Cards).Value;
        Assert.Equal(space, card.Space);
        Assert.True(card.Finalized);
        // In a group the card @s the asker (by staff id, under the name DingTalk gave), as a plain answer does.
        Assert.Equal(group is null ? null : new Dictionary<string, string> { ["staff-" + id] = "staff-" + id }, card.AtUserIds);
        var final = card.Updates[^1];
        Assert.True(final.Final);
        Assert.StartsWith(Answer, final.Content, StringComparison.Ordinal);

        // Several previews before the final one, each the whole text so far: growing prefixes of the answer.
        var previews = card.Updates.Where(u => !u.Final).Select(u => u.Content).ToList();
        Assert.True(previews.Count >= 2, $"expected several streaming updates, got {previews.Count}");
        Assert.All(previews, p => Assert.StartsWith(p, Answer, StringComparison.Ordinal));
        Assert.Equal(previews.OrderBy(p => p.Length), previews);
        Assert.Single(card.Updates, u => u.Final);

        Assert.Equal(["answered"], AuditOutcomes(id));
        Assert.Empty(_dingtalk.WebhookMessages);
        Assert.Empty(_dingtalk.DirectMessages);
        Assert.Empty(_dingtalk.GroupMessages);
    }

    [Fact]
    public async Task A_card_dingtalk_refuses_falls_back_to_one_plain_webhook_message()
    {
        Start(template: "tpl-never-published.schema");
        await Ask("card-refused");

        await QuotaIntakeTests.WaitUntil(() => AuditOutcomes("card-refused").Any(), 30);
        await Task.Delay(1000);
        Assert.Empty(_dingtalk.Cards);
        Assert.StartsWith(Answer, Assert.Single(_dingtalk.WebhookMessages).Content, StringComparison.Ordinal);
        Assert.Empty(_dingtalk.DirectMessages);
        Assert.Equal(1, LogCount(3110)); // refused once; later previews do not ask again
        Assert.Equal(["answered"], AuditOutcomes("card-refused"));
    }

    [Fact]
    public async Task An_update_that_times_out_still_ends_with_one_complete_card_and_no_plain_duplicate()
    {
        Start(pieceMilliseconds: 120);
        await Ask("card-slow");

        // Once the card exists, the next request (a streaming update) hangs past the 8 s a call may take.
        await QuotaIntakeTests.WaitUntil(() => !_dingtalk.Cards.IsEmpty, 30);
        _dingtalk.Inject(Fault.Delay(9_000));

        await QuotaIntakeTests.WaitUntil(() => AuditOutcomes("card-slow").Any(), 60);
        await Task.Delay(2500); // past the hung update's own late arrival
        var card = Assert.Single(_dingtalk.Cards).Value;
        Assert.True(card.Finalized);
        Assert.StartsWith(Answer, card.Content(), StringComparison.Ordinal);
        Assert.Single(card.Updates, u => u.Final);
        Assert.True(LogCount(3111) >= 1, "the timed-out update was logged and passed over");
        Assert.Equal(["answered"], AuditOutcomes("card-slow"));
        Assert.Empty(_dingtalk.WebhookMessages);
        Assert.Empty(_dingtalk.DirectMessages);
    }

    [Fact]
    public async Task A_final_update_whose_answer_is_lost_is_sent_again_and_its_refusal_taken_as_landed()
    {
        Start(pieceMilliseconds: 20);
        _dingtalk.LoseNextFinalizeAnswer = true;
        await Ask("card-lost-final");

        await QuotaIntakeTests.WaitUntil(() => AuditOutcomes("card-lost-final").Any(), 60);
        var card = Assert.Single(_dingtalk.Cards).Value;
        Assert.StartsWith(Answer, card.Content(), StringComparison.Ordinal);
        Assert.Single(card.Updates, u => u.Final);
        Assert.Equal(1, LogCount(1202)); // the job retried the delivery
        Assert.Equal(1, LogCount(3112)); // and took DingTalk's "already finalized" as the earlier one having landed
        Assert.Equal(["answered"], AuditOutcomes("card-lost-final"));
        Assert.Empty(_dingtalk.WebhookMessages);
        Assert.Empty(_dingtalk.DirectMessages);
    }
}
