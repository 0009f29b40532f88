using Microsoft.Extensions.AI;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>The real chat client, counting how many answers were generated (to prove a retry does not infer again).</summary>
public sealed class CountingChatClient(IChatClient inner, CountingChatClient.Counter counter) : DelegatingChatClient(inner)
{
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        counter.Increment();
        return base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        counter.Increment();
        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public sealed class Counter
    {
        private int _value;

        public int Value => _value;

        public void Increment() => Interlocked.Increment(ref _value);
    }
}

/// <summary>The real chat client, held until the test opens the gate: an answer that is still being made while something fails.</summary>
/// <param name="gate">Read at each answer: what it must wait for first.</param>
public sealed class GatedChatClient(IChatClient inner, Func<Task> gate) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await gate().WaitAsync(cancellationToken);
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            yield return update;
        }
    }
}
