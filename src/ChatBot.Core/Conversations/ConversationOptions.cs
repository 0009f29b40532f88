using Microsoft.Extensions.Options;

namespace ChatBot.Core.Conversations;

/// <summary>Section <c>Conversations</c>: what the bot remembers of a conversation so a follow-up question works.</summary>
public sealed class ConversationOptions
{
    public const string Section = "Conversations";

    /// <summary>Question-and-answer pairs kept per conversation; 0 turns memory off.</summary>
    public int Turns { get; set; } = 3;

    /// <summary>How long a conversation is kept after its last turn; then it is deleted (a Redis key's own expiry).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Whether an asker's context is kept in group chats too (per asker per group). Off: groups are one-shot.</summary>
    public bool InGroups { get; set; }

    /// <summary>Reply route kinds with no memory (<c>wecom-app</c>, <c>wecom-aibot</c>, <c>dingtalk</c>).</summary>
    public List<string> DisabledChannels { get; set; } = [];
}

public sealed class ConversationOptionsValidator : IValidateOptions<ConversationOptions>
{
    public ValidateOptionsResult Validate(string? name, ConversationOptions options)
    {
        List<string> errors = [];
        if (options.Turns is < 0 or > 20)
        {
            errors.Add($"Conversations:Turns must be between 0 (off) and 20 (each turn is prompt the model reads again); got {options.Turns}.");
        }

        if (options.Ttl <= TimeSpan.Zero || options.Ttl > TimeSpan.FromDays(1))
        {
            errors.Add($"Conversations:Ttl must be positive and at most a day (hh:mm:ss); got '{options.Ttl}'.");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
