using System;
using System.Globalization;
using System.Text;

namespace OpenConnectors.Native
{
    // Writes JSON string literals, for the few requests the package builds itself.
    internal static class JsonText
    {
        // Appends s as a JSON string. A lone surrogate is refused here, naming the parameter but
        // never quoting the text (it may be a secret).
        internal static void AppendString(StringBuilder json, string s, string paramName)
        {
            json.Append('"');
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                switch (c)
                {
                    case '"': json.Append("\\\""); continue;
                    case '\\': json.Append("\\\\"); continue;
                    case '\n': json.Append("\\n"); continue;
                    case '\r': json.Append("\\r"); continue;
                    case '\t': json.Append("\\t"); continue;
                }

                if (c < ' ')
                {
                    json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                }
                else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                {
                    json.Append(c).Append(s[++i]);
                }
                else if (char.IsSurrogate(c))
                {
                    throw new ArgumentException("The text contains a lone surrogate, which UTF-8 cannot encode.", paramName);
                }
                else
                {
                    json.Append(c);
                }
            }

            json.Append('"');
        }
    }
}
