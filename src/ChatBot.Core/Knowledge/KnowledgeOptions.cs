using ChatBot.Knowledge.Search;
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

    /// <summary>
    /// CC-CEDICT as <c>scripts/lexicon</c> writes it: character readings (homophone typos) and English glosses (English
    /// questions, everyday words). Without it search works on characters and the glossary alone.
    /// </summary>
    public string LexiconFile { get; set; } = Lexicon.DefaultFile;

    /// <summary>
    /// Chinese synonym groups as <c>scripts/lexicon</c> writes them (Tongyici Cilin, via jieba.NET; see NOTICE):
    /// everyday words the policy says otherwise (红包 → 礼金). Empty: none. A missing file is said at start, and search
    /// goes on without it.
    /// </summary>
    public string ThesaurusFile { get; set; } = Thesaurus.DefaultFile;

    /// <summary>
    /// A GGUF embedding model (a multilingual BGE or E5 the admin supplies; none ships or can be downloaded here), or
    /// empty: off. When set, passages are embedded in process through llama.cpp and a question's nearest passages join
    /// BM25's by reciprocal rank fusion; the answer/refusal decision stays lexical. Unmeasured for quality here.
    /// </summary>
    public string EmbeddingModelPath { get; set; } = "";

    /// <summary>How many passages go into the prompt at most.</summary>
    public int TopK { get; set; } = 3;

    /// <summary>Characters of passages in the prompt at most: about 220 prompt tokens cost a second on 2 cores.</summary>
    public int PromptBudgetChars { get; set; } = ChatBot.Knowledge.GroundedPrompt.DefaultBudgetChars;

    /// <summary>The reply when no passage is relevant: no model call, no quota charged.</summary>
    public string RefusalText { get; set; } = "制度文件中没有找到相关规定，请直接咨询 HR。";

    /// <summary>The same, to a question written in English.</summary>
    public string RefusalTextEnglish { get; set; } = "I found nothing about this in the company's policy documents; please ask HR.";

    /// <summary>
    /// In a DM, when passages cover part of the question only: this line, then the closest sections with their quotes
    /// — no model call (a model told "answer from these" would stretch a near miss into a rule), no quota charged.
    /// </summary>
    public string UnsureText { get; set; } = "我不确定制度文件是否回答了这个问题，以下条款可能相关，请核对原文或咨询 HR：";

    /// <summary>The same, to a question written in English.</summary>
    public string UnsureTextEnglish { get; set; } = "I am not sure the policy documents answer this; these sections may. Please check them or ask HR:";

    /// <summary>
    /// How much of a question the best passage must cover (0–1, <c>knowledge eval --sweep</c> shows the trade-off) to be
    /// answered by the model; from <see cref="UnsureAt"/> to this, a DM gets <see cref="UnsureText"/> and the sections.
    /// </summary>
    public double AnswerAt { get; set; } = GroundingThresholds.Default.AnswerAt;

    /// <summary>Below this coverage the question is refused (<see cref="RefusalText"/>).</summary>
    public double UnsureAt { get; set; } = GroundingThresholds.Default.UnsureAt;

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

        foreach (var (key, text) in new[] { ("RefusalText", options.RefusalText), ("RefusalTextEnglish", options.RefusalTextEnglish), ("UnsureText", options.UnsureText), ("UnsureTextEnglish", options.UnsureTextEnglish) })
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                errors.Add($"Knowledge:{key} must not be empty: it is the whole reply (or its first line) when the documents do not answer.");
            }
        }

        if (options.UnsureAt is < 0 or > 1 || options.AnswerAt is < 0 or > 1 || options.UnsureAt > options.AnswerAt)
        {
            errors.Add($"Knowledge:UnsureAt and Knowledge:AnswerAt must be between 0 and 1 with UnsureAt <= AnswerAt; got {options.UnsureAt} and {options.AnswerAt}.");
        }

        if (options.DirectoryCacheTtl <= TimeSpan.Zero)
        {
            errors.Add($"Knowledge:DirectoryCacheTtl must be positive; got '{options.DirectoryCacheTtl}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
