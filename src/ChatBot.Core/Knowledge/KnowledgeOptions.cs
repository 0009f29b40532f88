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
}
