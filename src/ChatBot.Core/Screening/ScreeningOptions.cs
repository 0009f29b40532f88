using Microsoft.Extensions.Options;

namespace ChatBot.Core.Screening;

/// <summary>Section <c>Screening</c>.</summary>
public sealed class ScreeningOptions
{
    public const string Section = "Screening";

    public string WordListFile { get; set; } = "config/sensitive-words.txt";

    /// <summary>Mask: listed words in an answer become <c>*</c>. Replace: the whole answer becomes <see cref="ReplacementText"/>.</summary>
    public OutputAction OutputAction { get; set; } = OutputAction.Mask;

    public string ReplacementText { get; set; } = "抱歉，这个问题我无法回答。Sorry, I can't answer that.";

    /// <summary>The neutral answer to a question that contains a listed word: no inference, no quota charged.</summary>
    public string RefusalText { get; set; } = "抱歉，我不能回答这个问题。Sorry, I can't help with that request.";
}

public sealed class ScreeningOptionsValidator : IValidateOptions<ScreeningOptions>
{
    public ValidateOptionsResult Validate(string? name, ScreeningOptions options)
    {
        List<string> errors = [];
        if (string.IsNullOrWhiteSpace(options.WordListFile))
        {
            errors.Add("Screening:WordListFile must name the sensitive-word list (config/sensitive-words.txt by default).");
        }

        if (string.IsNullOrWhiteSpace(options.RefusalText))
        {
            errors.Add("Screening:RefusalText must not be empty: it is the whole answer to a question with a listed word.");
        }

        if (options.OutputAction == OutputAction.Replace && string.IsNullOrWhiteSpace(options.ReplacementText))
        {
            errors.Add("Screening:ReplacementText must not be empty when Screening:OutputAction is Replace: it replaces the whole answer.");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
