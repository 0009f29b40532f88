namespace ChatBot.Core.Messages;

/// <summary>The IM platform a message came from and its reply goes back to.</summary>
public enum Platform
{
    WeCom,
    DingTalk,
}

/// <summary>Whether the message was written in a group (the bot was @-mentioned) or directly to the bot.</summary>
public enum ChatKind
{
    Direct,
    Group,
}
