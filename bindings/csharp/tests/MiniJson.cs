using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace OpenConnectors.Tests
{
    // A small JSON reader and writer for the tests only (the package has no JSON dependency and
    // Debian's Mono ships no JSON assembly). Objects are dictionaries, arrays lists, numbers
    // doubles.
    internal static class MiniJson
    {
        internal static object Parse(string text)
        {
            int pos = 0;
            object value = ParseValue(text, ref pos);
            SkipWs(text, ref pos);
            if (pos != text.Length)
            {
                throw new FormatException("trailing characters in JSON: " + text);
            }

            return value;
        }

        internal static Dictionary<string, object> Object(string text)
        {
            return (Dictionary<string, object>)Parse(text);
        }

        // Follows object keys and array indexes; throws when the path does not exist.
        internal static object At(object node, params object[] path)
        {
            foreach (object step in path)
            {
                var key = step as string;
                if (key != null)
                {
                    node = ((Dictionary<string, object>)node)[key];
                }
                else
                {
                    node = ((List<object>)node)[(int)step];
                }
            }

            return node;
        }

        internal static string Str(object node, params object[] path)
        {
            return (string)At(node, path);
        }

        internal static long Long(object node, params object[] path)
        {
            return Convert.ToInt64((double)At(node, path));
        }

        // A JSON string literal for s.
        internal static string Quote(string s)
        {
            var b = new StringBuilder("\"");
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': b.Append("\\\""); break;
                    case '\\': b.Append("\\\\"); break;
                    case '\n': b.Append("\\n"); break;
                    case '\r': b.Append("\\r"); break;
                    case '\t': b.Append("\\t"); break;
                    default:
                        if (c < 0x20)
                        {
                            b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            b.Append(c);
                        }

                        break;
                }
            }

            return b.Append('"').ToString();
        }

        private static object ParseValue(string t, ref int pos)
        {
            SkipWs(t, ref pos);
            if (pos >= t.Length)
            {
                throw new FormatException("unexpected end of JSON");
            }

            char c = t[pos];
            if (c == '{')
            {
                pos++;
                var result = new Dictionary<string, object>();
                SkipWs(t, ref pos);
                if (t[pos] == '}')
                {
                    pos++;
                    return result;
                }

                while (true)
                {
                    SkipWs(t, ref pos);
                    string key = ParseString(t, ref pos);
                    SkipWs(t, ref pos);
                    Expect(t, ref pos, ':');
                    result[key] = ParseValue(t, ref pos);
                    SkipWs(t, ref pos);
                    if (t[pos] == ',')
                    {
                        pos++;
                        continue;
                    }

                    Expect(t, ref pos, '}');
                    return result;
                }
            }

            if (c == '[')
            {
                pos++;
                var result = new List<object>();
                SkipWs(t, ref pos);
                if (t[pos] == ']')
                {
                    pos++;
                    return result;
                }

                while (true)
                {
                    result.Add(ParseValue(t, ref pos));
                    SkipWs(t, ref pos);
                    if (t[pos] == ',')
                    {
                        pos++;
                        continue;
                    }

                    Expect(t, ref pos, ']');
                    return result;
                }
            }

            if (c == '"')
            {
                return ParseString(t, ref pos);
            }

            if (string.CompareOrdinal(t, pos, "true", 0, 4) == 0)
            {
                pos += 4;
                return true;
            }

            if (string.CompareOrdinal(t, pos, "false", 0, 5) == 0)
            {
                pos += 5;
                return false;
            }

            if (string.CompareOrdinal(t, pos, "null", 0, 4) == 0)
            {
                pos += 4;
                return null;
            }

            int start = pos;
            while (pos < t.Length && "-+.0123456789eE".IndexOf(t[pos]) >= 0)
            {
                pos++;
            }

            return double.Parse(t.Substring(start, pos - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        private static string ParseString(string t, ref int pos)
        {
            Expect(t, ref pos, '"');
            var b = new StringBuilder();
            while (t[pos] != '"')
            {
                char c = t[pos++];
                if (c != '\\')
                {
                    b.Append(c);
                    continue;
                }

                char e = t[pos++];
                switch (e)
                {
                    case 'b': b.Append('\b'); break;
                    case 'f': b.Append('\f'); break;
                    case 'n': b.Append('\n'); break;
                    case 'r': b.Append('\r'); break;
                    case 't': b.Append('\t'); break;
                    case 'u':
                        b.Append((char)int.Parse(t.Substring(pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                        pos += 4;
                        break;
                    default: b.Append(e); break;
                }
            }

            pos++;
            return b.ToString();
        }

        private static void Expect(string t, ref int pos, char c)
        {
            if (pos >= t.Length || t[pos] != c)
            {
                throw new FormatException("expected '" + c + "' at " + pos + " in JSON: " + t);
            }

            pos++;
        }

        private static void SkipWs(string t, ref int pos)
        {
            while (pos < t.Length && char.IsWhiteSpace(t[pos]))
            {
                pos++;
            }
        }
    }
}
