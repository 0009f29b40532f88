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

    /// <summary>
    /// Personal data masked in every question before the model sees it and in every answer part before it is sent
    /// (<see cref="PersonalData"/>): id-card, bank-card, mobile, email. Empty: none.
    /// </summary>
    public List<string> PersonalData { get; set; } = [.. Screening.PersonalData.Categories];

    /// <summary>Told to an asker whose question had personal data masked; {0} names what was masked.</summary>
    public string PersonalDataNotice { get; set; } = "（为保护隐私，你消息中的{0}已隐藏，没有交给模型。For your privacy, the {0} in your message was hidden from the model.）";
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

        foreach (var category in options.PersonalData.Where(c => !Screening.PersonalData.Categories.Contains(c)))
        {
            errors.Add($"Screening:PersonalData has '{category}'; the kinds are {string.Join(", ", Screening.PersonalData.Categories)}.");
        }

        if (Configuration.FormatText.Problem("Screening:PersonalDataNotice", options.PersonalDataNotice, "身份证号", "what was hidden") is { } notice)
        {
            errors.Add(notice);
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
