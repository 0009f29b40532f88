using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ChatBot.Inference;
using ChatBot.IntegrationTests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>
/// Fair turns through the real host (Quotas:MaxInFlightPerUser = 1, two sequences): one asker's quick second question
/// waits behind their first while another asker's question takes the free sequence.
/// </summary>
public sealed class FairTurnTests
{
    [Fact]
    public async Task An_askers_second_question_waits_while_another_askers_first_is_answered()
    {
        var starts = new ConcurrentQueue<string>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var replies = new RecordingReplySender();
        using var app = new ChatBotApp().WithServices(replies.Register).With("Inference:WarmUp", "false").With("Answers:QueuedText", "")
            .WithServices(services => services.AddSingleton<IChatClient>(provider =>
                new SlowStartClient(provider.GetRequiredService<LocalInference>().Client, starts, first.Task)));
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("fair-1", "第一个问题", user: "hasty"));
        await client.PostAsync(PlatformCallbacks.App("fair-2", "第二个问题", user: "hasty"));
        await QuotaIntakeTests.WaitUntil(() => !starts.IsEmpty, 30);
        await Task.Delay(300); // hasty's second has reached the line
        await client.PostAsync(PlatformCallbacks.App("fair-3", "别人的问题", user: "patient"));
        // hasty's first is held until a second generation starts: the free sequence goes to patient if turns are fair,
        // to hasty's second if not. Released on an event, not after a time, so a slow intake cannot decide it.
        await QuotaIntakeTests.WaitUntil(() => starts.Count >= 2, 60);
        first.SetResult();
        await QuotaIntakeTests.WaitUntil(() => replies.Sent.Count == 3, 60);

        Assert.Equal(["第一个问题", "别人的问题", "第二个问题"], starts.ToArray());
    }

    /// <summary>Records which question each generation is for, and holds the first one until told, so the line fills.</summary>
    private sealed class SlowStartClient(IChatClient inner, ConcurrentQueue<string> starts, Task firstHold) : DelegatingChatClient(inner)
    {
        private int _calls;

        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            starts.Enqueue(messages.Last().Text);
            if (Interlocked.Increment(ref _calls) == 1)
            {
                await firstHold.WaitAsync(cancellationToken);
            }

            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }
        }
    }
}
