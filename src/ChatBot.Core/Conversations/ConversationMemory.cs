using System.Text.Json;
using ChatBot.Core.Messages;
using ChatBot.Core.Queue;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Conversations;

/// <summary>
/// The last few turns of a conversation, so follow-up questions work: sealed like a queued message (AES-GCM) in the
/// shared store, so the worker that takes the follow-up has them whichever instance answered before, and deleted after
/// <c>Conversations:Ttl</c> or at <c>/clear</c>. Direct chats by default; groups per asker when configured.
/// </summary>
public sealed class ConversationMemory(IConversationStore store, EnvelopeSealer sealer, IOptionsMonitor<ConversationOptions> options)
{
    /// <summary>The conversation a message belongs to: one per asker and bot, and per group where groups remember.</summary>
    public static string KeyOf(InboundMessage message) => message.ChatKind == ChatKind.Group
        ? $"{message.Platform}:{message.BotId}:{message.ChatId}:{message.SenderId}"
        : $"{message.Platform}:{message.BotId}:{message.SenderId}";

    /// <summary>Whether this message's conversation is remembered (turns on, its channel not off, a DM or groups allowed).</summary>
    public bool Applies(InboundMessage message)
    {
        var settings = options.CurrentValue;
        return settings.Turns > 0 && (message.ChatKind == ChatKind.Direct || settings.InGroups)
            && !settings.DisabledChannels.Contains(message.Route.SenderKey, StringComparer.OrdinalIgnoreCase);
    }

    public async Task<IReadOnlyList<ChatMessage>> RecallAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        if (!Applies(message) || await store.GetAsync(KeyOf(message), cancellationToken) is not { } kept)
        {
            return [];
        }

        try
        {
            var turns = JsonSerializer.Deserialize<List<Turn>>(sealer.OpenBytes(kept)) ?? [];
            return turns.SelectMany(t => new[] { new ChatMessage(ChatRole.User, t.Q), new ChatMessage(ChatRole.Assistant, t.A) }).ToList();
        }
        catch (Exception ex) when (ex is EnvelopeException or JsonException)
        {
            // Sealed under another key (a rotated EnvelopeKey): a conversation starts afresh, nothing worse.
            return [];
        }
    }

    public async Task RememberAsync(InboundMessage message, string answer, CancellationToken cancellationToken)
    {
        if (!Applies(message))
        {
            return;
        }

        var settings = options.CurrentValue;
        var earlier = await RecallAsync(message, cancellationToken);
        var turns = new List<Turn>();
        for (var i = 0; i + 1 < earlier.Count; i += 2)
        {
            turns.Add(new Turn(earlier[i].Text, earlier[i + 1].Text));
        }

        turns.Add(new Turn(message.Text, answer));
        var kept = turns.TakeLast(settings.Turns).ToList();
        await store.SetAsync(KeyOf(message), sealer.SealBytes(JsonSerializer.SerializeToUtf8Bytes(kept)), settings.Ttl, cancellationToken);
    }

    /// <summary>Deletes the conversation now (<c>/clear</c>).</summary>
    public Task ForgetAsync(InboundMessage message, CancellationToken cancellationToken) => store.DeleteAsync(KeyOf(message), cancellationToken);

    private sealed record Turn(string Q, string A);
}
