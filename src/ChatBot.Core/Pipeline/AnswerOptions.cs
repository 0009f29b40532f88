using ChatBot.Core.Configuration;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>Section <c>Answers</c>: what the bot says, beside the model.</summary>
public sealed class AnswerOptions
{
    public const string Section = "Answers";

    public string SystemPromptFile { get; set; } = "config/system-prompt.md";

    /// <summary>Told to the user when the system (not the user) failed and the question was given back.</summary>
    public string FailureText { get; set; } = "抱歉，系统暂时无法回答，请稍后再试。Sorry, I could not answer this time; please try again later.";

    /// <summary>
    /// Told at once to a user whose question waits for the model because others are being answered; {0} is the
    /// place in line (1 = next). Empty: no notice.
    /// </summary>
    public string QueuedText { get; set; } = "前面还有人在提问，你排在第 {0} 位，轮到你时马上回答。Others are being answered; you are number {0} in line and will be answered in turn.";
}

public sealed class AnswerOptionsValidator : IValidateOptions<AnswerOptions>
{
    public ValidateOptionsResult Validate(string? name, AnswerOptions options)
    {
        List<string> errors = [];
        if (string.IsNullOrWhiteSpace(options.FailureText))
        {
            errors.Add("Answers:FailureText must not be empty: it is what a user is told when the system failed to answer.");
        }

        if (FormatText.Problem("Answers:QueuedText", options.QueuedText, 1, "the place in line") is { } problem)
        {
            errors.Add(problem);
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
