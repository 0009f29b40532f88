using Microsoft.Extensions.Options;

namespace ChatBot.Core.Knowledge;

/// <summary>Section <c>Knowledge</c>: policy answers from the company's own documents.</summary>
public sealed class KnowledgeOptions
{
    public const string Section = "Knowledge";

    /// <summary>Where admins drop documents (Markdown, text, docx, xlsx, text PDFs); subfolders included. Off when absent or empty.</summary>
    public string Folder { get; set; } = "config/knowledge";

    /// <summary>The glossary of colloquial forms and policy terms, hot-reloaded.</summary>
    public string SynonymsFile { get; set; } = "config/knowledge-synonyms.txt";

    /// <summary>How many passages go into the prompt at most.</summary>
    public int TopK { get; set; } = 3;

    /// <summary>Characters of passages in the prompt at most: about 220 prompt tokens cost a second on 2 cores.</summary>
    public int PromptBudgetChars { get; set; } = 900;

    /// <summary>The reply when no passage is relevant: no model call, no quota charged.</summary>
    public string RefusalText { get; set; } = "制度文件中没有找到相关规定，请直接咨询 HR。I found nothing about this in the company's policy documents; please ask HR.";

    /// <summary>
    /// In a direct message, a policy question with no relevant passage is refused (employees ask HR policy there and
    /// an invented answer is worse than none). False: it goes to the general assistant, as group @-mentions do.
    /// </summary>
    public bool RefuseInDirectMessages { get; set; } = true;

    /// <summary>
    /// How long an asker's departments, read from the platform's directory, are trusted before it is asked again. A
    /// move between departments takes effect within this time.
    /// </summary>
    public TimeSpan DirectoryCacheTtl { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Each rule names the key and the value it got, so the start-up message says what to change.</summary>
public sealed class KnowledgeOptionsValidator : IValidateOptions<KnowledgeOptions>
{
    public ValidateOptionsResult Validate(string? name, KnowledgeOptions options)
    {
        var errors = new List<string>();
        if (options.TopK is < 1 or > 20)
        {
            errors.Add($"Knowledge:TopK must be between 1 and 20; got {options.TopK}.");
        }

        if (options.PromptBudgetChars is < 100 or > 20_000)
        {
            errors.Add($"Knowledge:PromptBudgetChars must be between 100 and 20000 (about 220 prompt tokens cost a second on 2 cores); got {options.PromptBudgetChars}.");
        }

        if (string.IsNullOrWhiteSpace(options.RefusalText))
        {
            errors.Add("Knowledge:RefusalText must not be empty: it is the whole reply when the documents have nothing relevant.");
        }

        if (options.DirectoryCacheTtl <= TimeSpan.Zero)
        {
            errors.Add($"Knowledge:DirectoryCacheTtl must be positive; got '{options.DirectoryCacheTtl}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
