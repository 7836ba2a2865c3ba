"""Hand-written Kconfig trees, each aimed at one rule of kconfiglib 14.1.0 (the function and its line in
kconfiglib.py are named above each group). Every entry is
name -> {"files": {path: text}, "extra": [fragment paths], "env": {...}}; prj.conf defaults to empty."""

T = "\t"

CORPUS = {
    # lines and tokens: Kconfig._tokenize(), kconfiglib.py:2335
    "line-continuation": {"files": {"Kconfig": 'config A\n\tbool "A" \\\n\t\tif B\nconfig B\n\tbool "B"\n\tdefault y\n',
                                    "prj.conf": "CONFIG_A=y\n"}},
    "crlf-and-cr-newlines": {"files": {"Kconfig": 'config A\r\n\tbool "A"\r\n\tdefault y\rconfig B\r\tint "B"\r\tdefault 3\r\n',
                                       "prj.conf": "CONFIG_B=4\r\n"}},
    "comments-and-hash-in-string": {"files": {"Kconfig": '# c\nconfig A # trailing\n\tstring "A # not a comment"\n\tdefault "x#y" # c\n'}},
    "unquoted-prompt-style-warning": {"files": {"Kconfig": "menu Unquoted\nconfig A\n\tbool prompt_text\nendmenu\nchoice NAMED\n\tprompt \"c\"\nconfig B\n\tbool \"b\"\nendchoice\n"}},
    "single-quoted-strings": {"files": {"Kconfig": "config A\n\tstring 'Single'\n\tdefault 'it\\'s'\n"}},
    "quoted-y-is-y": {"files": {"Kconfig": 'config A\n\tbool "A"\n\tdefault "y"\nconfig B\n\tbool "B"\n\tdefault y if A = "y"\n'}},
    # block statements: Kconfig._parse_block(), kconfiglib.py:2891
    "menuconfig-without-prompt": {"files": {"Kconfig": "menuconfig A\n\tbool\n\tdefault y\n"}},
    "named-choice-reopened": {"files": {"Kconfig": 'choice C\n\tdefault C2\nendchoice\nchoice C\n\tprompt "C"\nconfig C1\n\tbool "1"\nconfig C2\n\tbool "2"\nendchoice\n'}},
    "comment-written-when-visible": {"files": {"Kconfig": 'config A\n\tbool "A"\ncomment "A is off"\n\tdepends on !A\ncomment "A is on"\n\tdepends on A\n'}},
    "nested-menus-and-end-comments": {"files": {"Kconfig": 'config A\n\tbool "A"\nmenu "Outer"\nconfig B\n\tbool "B"\nmenu "Inner"\nconfig C\n\tstring "C"\nendmenu\nendmenu\nconfig D\n\tbool "D"\n\tdefault y\n'}},
    "unterminated-menu": {"files": {"Kconfig": 'menu "M"\nconfig A\n\tbool "A"\n'}},
    "stray-endif": {"files": {"Kconfig": 'config A\n\tbool "A"\nendif\n'}},
    "unknown-keyword": {"files": {"Kconfig": "configdefault FOO\n"}},
    # properties: Kconfig._parse_props(), kconfiglib.py:3120
    "multiple-types": {"files": {"Kconfig": 'config A\n\tbool "A"\nconfig A\n\tint\n'}},
    "multiple-prompts": {"files": {"Kconfig": 'config A\n\tbool "one"\n\tprompt "two"\n'}},
    "first-active-default-wins": {"files": {"Kconfig": 'config X\n\tbool "X"\nconfig A\n\tint "A"\n\tdefault 1 if X\n\tdefault 2\n\tdefault 3\n'}},
    "malformed-int-default": {"files": {"Kconfig": "config A\n\tbool\nconfig B\n\tbool\nconfig I\n\tint \"I\"\n\tdefault A && B\n"}},
    "select-non-bool": {"files": {"Kconfig": 'config A\n\tbool "A"\n\tselect I\nconfig I\n\tint "I"\n'}},
    "select-constant": {"files": {"Kconfig": 'config A\n\tbool "A"\n\tselect y\n'}},
    "defined-without-type": {"files": {"Kconfig": "config A\n\tdefault y\n", "prj.conf": "CONFIG_A=y\n"}},
    "option-env": {"files": {"Kconfig": 'config HOME_DIR\n\tstring\n\toption env="MYVAR"\nconfig OTHER\n\tstring "o"\n\toption env="UNSET_VAR"\n'}, "env": {"MYVAR": "/home/me"}},
    # expressions: Kconfig._parse_expr(), kconfiglib.py:3376; expr_value(), :5988
    "relation-precedence": {"files": {"Kconfig": 'config A\n\tbool "A"\nconfig B\n\tbool "B"\n\tdefault y if !A = n\n', "prj.conf": "CONFIG_A=y\n"}},
    "numeric-and-string-relations": {"files": {"Kconfig": 'config I\n\tint "I"\n\tdefault 10\nconfig H\n\thex "H"\n\tdefault 0x20\nconfig S\n\tstring "S"\n\tdefault "abc"\nconfig R1\n\tdef_bool I > 9 && H = 32 && S < "abd" && I < 0x10 && "010" = 10\nconfig R2\n\tdef_bool UNDEF = "UNDEF" && 00 = 0 && "0b11" = 3\n'}},
    "empty-int-compared-as-string": {"files": {"Kconfig": 'config I\n\tint "I"\n\tdepends on n\nconfig R\n\tdef_bool I = ""\n'}},
    "m-in-condition": {"files": {"Kconfig": 'config A\n\tbool "A"\n\tdefault y if m\nconfig B\n\tbool "B"\n\tdefault m\nconfig T\n\ttristate "T"\n', "prj.conf": "CONFIG_T=m\n"}},
    "malformed-expression": {"files": {"Kconfig": 'config A\n\tbool "A"\n\tdepends on (B\n'}},
    "unknown-tokens": {"files": {"Kconfig": 'config A\n\tint "A"\n\tdefault 1 + 2\n'}},
    "logical-context-warning": {"files": {"Kconfig": 'config I\n\tint "I"\n\tdefault 3\nconfig A\n\tbool "A"\n\tdepends on I\n'}},
    # source, rsource, osource: Kconfig._parse_block(), kconfiglib.py:2959
    "source-glob-sorted": {"files": {"Kconfig": 'rsource "sub/*/Kconfig"\nosource "none/*"\n', "sub/b/Kconfig": 'config B\n\tbool "B"\n',
                                     "sub/a/Kconfig": 'config A\n\tbool "A"\n', "sub/.hidden/Kconfig": 'config H\n\tbool "H"\n'}},
    "source-relative-to-root": {"files": {"Kconfig": 'source "lib/Kconfig"\n', "lib/Kconfig": 'source "lib/Kconfig.more"\n', "lib/Kconfig.more": 'config M\n\tbool "M"\n'}},
    "source-missing": {"files": {"Kconfig": 'source "missing/Kconfig"\n'}},
    "source-cycle": {"files": {"Kconfig": 'source "a/Kconfig"\n', "a/Kconfig": 'rsource "../Kconfig"\n'}},
    # preprocessor: Kconfig._parse_assignment(), kconfiglib.py:2599; _expand_macro(), :2742
    "preprocessor-variables": {"files": {"Kconfig": 'V = a\nV += b\nW := x$(V)\nV += c\nF = <$(1)|$(2)>\nconfig P_$(V_NAME)\n\tstring "p $(F,1,2) $(W) $(V) $(NOENV)"\n\tdefault "$(ENVVAR)"\n'},
                               "env": {"ENVVAR": "from-env", "V_NAME": "SYM"}},
    "preprocessor-warning-if": {"files": {"Kconfig": '$(warning-if,y,custom warning here)\nconfig A\n\tbool "A"\n'}},
    "preprocessor-error-if": {"files": {"Kconfig": 'config A\n\tbool "A"\n$(error-if,y,stop here)\n'}},
    "preprocessor-recursive": {"files": {"Kconfig": 'X = $(X)\nconfig A\n\tstring "$(X)"\n'}},
    "expandvars-in-string": {"files": {"Kconfig": 'config A\n\tstring "A"\n\tdefault "$HOME_X/${HOME_X}/$NOPE\\\\x"\n'}, "env": {"HOME_X": "/h"}},
    # help: Kconfig._parse_help(), kconfiglib.py:3312
    "help-indent-rules": {"files": {"Kconfig": 'config A\n\tbool "A"\n\thelp\n\n\t  First.\n\t\tDeeper.\n\n\t  Last.\nconfig B\n\tbool "B"\n\thelp\nconfig C\n\tbool "C"\n\thelp\n\t  one\n\thelp\n\t  two\n'}},
    # dependency propagation: Kconfig._finalize_node(), kconfiglib.py:3556; _propagate_deps(), :3637
    "implicit-submenu": {"files": {"Kconfig": 'config P\n\tbool "P"\nconfig Q\n\tbool "Q"\n\tdepends on P\nconfig R\n\tbool "R"\n\tdepends on P && Q\nconfig S\n\tbool "S"\n\tdepends on P != n\n'}},
    "menu-if-select-propagation": {"files": {"Kconfig": 'config P\n\tbool "P"\nconfig Q\n\tbool "Q"\nconfig T\n\tbool\nmenu "M"\n\tdepends on P\nif P\nconfig S\n\tbool "S"\n\tdepends on P || Q\n\tselect T if !Q\nendif\nendmenu\n', "prj.conf": "CONFIG_P=y\nCONFIG_S=y\n"}},
    "second-definition-weakens-deps": {"files": {"Kconfig": 'config A\n\tbool "A"\n\tdepends on n\nconfig A\n\tbool\n', "prj.conf": "CONFIG_A=y\n"}},
    "choice-symbol-implicit-menu": {"files": {"Kconfig": 'choice\n\tprompt "C"\nconfig C1\n\tbool "1"\nconfig C1_SUB\n\tbool "sub"\n\tdepends on C1\nconfig C2\n\tbool "2"\nendchoice\n', "prj.conf": "CONFIG_C1_SUB=y\n"}},
    "dependency-loop": {"files": {"Kconfig": 'config A\n\tbool "A"\n\tdepends on B\nconfig B\n\tbool "B"\n\tdepends on A\n'}},
    "select-is-not-a-loop": {"files": {"Kconfig": 'config A\n\tbool "A"\n\tdepends on B\nconfig B\n\tbool "B"\n\tselect A\n', "prj.conf": "CONFIG_B=y\n"}},
    # evaluation: Symbol.str_value, kconfiglib.py:4287; Symbol.tri_value, :4428; Choice._selection(), :5424
    "select-ignores-deps-warns": {"files": {"Kconfig": 'config DEP\n\tbool "dep"\nconfig B\n\tbool "B"\n\tdepends on DEP\nconfig A\n\tbool "A"\n\tselect B\nconfig A2\n\tbool "A2"\n\tselect B if !DEP\n', "prj.conf": "CONFIG_A=y\nCONFIG_A2=y\n"}},
    "imply-overridden-by-user": {"files": {"Kconfig": 'config A\n\tbool "A"\n\tdefault y\n\timply B\n\timply C\nconfig B\n\tbool "B"\nconfig C\n\tbool "C"\n\tdepends on n\n', "prj.conf": "# CONFIG_B is not set\n"}},
    "visible-if-only-affects-prompts": {"files": {"Kconfig": 'config SHOW\n\tbool "show"\nmenu "Hidden"\n\tvisible if SHOW\nconfig X\n\tbool "X"\n\tdefault y\nconfig Y\n\tint "Y"\n\tdefault 5\nendmenu\n', "prj.conf": "CONFIG_X=n\nCONFIG_Y=9\n"}},
    "promptless-assignment": {"files": {"Kconfig": 'config HIDDEN\n\tbool\n\tdefault y\nconfig HIDDEN_INT\n\tint\n\tdefault 4\n', "prj.conf": "CONFIG_HIDDEN=n\nCONFIG_HIDDEN_INT=5\n"}},
    "range-user-value-outside": {"files": {"Kconfig": 'config I\n\tint "I"\n\trange 1 10\n\tdefault 5\nconfig H\n\thex "H"\n\trange 0x10 0x20\n\tdefault 0x18\n', "prj.conf": "CONFIG_I=11\nCONFIG_H=0x30\n"}},
    "range-default-clamped": {"files": {"Kconfig": 'config I\n\tint "I"\n\trange 1 3\n\tdefault 0\nconfig H\n\thex "H"\n\trange 0x10 0x20\n\tdefault 5\nconfig N\n\thex "N"\n\trange 0x10 0x20\nconfig J\n\tint "J"\n\trange 1 3\n\tdefault "0x10"\n'}},
    "range-first-active-and-symbol-bounds": {"files": {"Kconfig": 'config LO\n\tint "lo"\n\tdefault 20\nconfig C\n\tbool "C"\nconfig I\n\tint "I"\n\trange 0 5 if C\n\trange LO 40\n\tdefault 3\n'}},
    "hex-formatting-quirks": {"files": {"Kconfig": 'config A\n\thex "A"\nconfig B\n\thex "B"\nconfig C\n\thex "C"\n\tdefault 0X1F\nconfig D\n\tint "D"\n', "prj.conf": "CONFIG_A=20001000\nCONFIG_B=0X1F\nCONFIG_D= 5\n"}},
    "int-python-int-forms": {"files": {"Kconfig": 'config A\n\tint "A"\nconfig B\n\tint "B"\nconfig C\n\tint "C"\nconfig D\n\thex "D"\n', "prj.conf": "CONFIG_A=1_000\nCONFIG_B=+7\nCONFIG_C=1__0\nCONFIG_D=-0x5\n"}},
    "choice-selection-rules": {"files": {"Kconfig": 'config G\n\tbool "G"\nchoice\n\tprompt "C"\n\tdefault C2 if G\n\tdefault C3\nconfig C1\n\tbool "1"\nconfig C2\n\tbool "2"\nconfig C3\n\tbool "3"\n\tdepends on n\nendchoice\n', "prj.conf": "CONFIG_C2=y\nCONFIG_C1=y\nCONFIG_C1=n\n"}},
    "choice-invisible-and-optional": {"files": {"Kconfig": 'choice\n\tprompt "off"\n\tdepends on n\nconfig A1\n\tbool "a1"\nendchoice\nchoice\n\tprompt "opt"\n\toptional\nconfig B1\n\tbool "b1"\nconfig B2\n\tbool "b2"\nendchoice\n', "prj.conf": "CONFIG_A1=y\n"}},
    "choice-sanity-warnings": {"files": {"Kconfig": 'config OUT\n\tbool "out"\n\tselect C1\nchoice C\n\tint\n\tdefault OUT\nconfig C1\n\tbool\n\tdefault y\nendchoice\nchoice\nconfig D1\n\tbool "d1"\nendchoice\nconfig C1\n\tprompt "outside"\n'}},
    # .conf fragments: Kconfig._load_config(), kconfiglib.py:1247
    "fragment-quirks": {"files": {"Kconfig": 'config B\n\tbool "B"\nconfig S\n\tstring "S"\nconfig I\n\tint "I"\n',
                                  "prj.conf": 'CONFIG_B=yes please\nCONFIG_S="ok" trailing\nCONFIG_I=3\n# CONFIG_I is not set\nCONFIG_S="a\\tb\\\\c"\n'}},
    "fragment-malformed-lines": {"files": {"Kconfig": 'config A\n\tbool "A"\n', "prj.conf": "CONFIG_A y\n  CONFIG_A=y\nCONFIG_A =y\n   # fine\nrandom words\nCONFIG_=y\n"}},
    "fragment-undefined-symbols": {"files": {"Kconfig": 'config A\n\tbool "A"\n', "prj.conf": "CONFIG_NOPE=y\n# CONFIG_NOPE2 is not set\nCONFIG_A=y\n"}},
    "fragment-merge-order": {"files": {"Kconfig": 'config A\n\tint "A"\nchoice\n\tprompt "C"\nconfig C1\n\tbool "1"\nconfig C2\n\tbool "2"\nendchoice\n',
                                       "prj.conf": "CONFIG_A=1\nCONFIG_C2=y\n", "extra.conf": "CONFIG_A=2\nCONFIG_C1=y\nCONFIG_C1=n\n"}, "extra": ["extra.conf"]},
    "fragment-bad-values": {"files": {"Kconfig": 'config B\n\tbool "B"\nconfig T\n\ttristate "T"\nconfig I\n\tint "I"\nconfig H\n\thex "H"\nconfig S\n\tstring "S"\n',
                                      "prj.conf": 'CONFIG_B=1\nCONFIG_B=m\nCONFIG_T=x\nCONFIG_I=abc\nCONFIG_I=0x10\nCONFIG_H=0xZZ\nCONFIG_H=-1\nCONFIG_S=unquoted\nCONFIG_S="unterminated\n'}},
    "fragment-string-escapes-roundtrip": {"files": {"Kconfig": 'config S\n\tstring "S"\n', "prj.conf": 'CONFIG_S="tab\\there \\"q\\" back\\\\slash ünïcode"\n'}},
    "binary-garbage-fragment": {"files": {"Kconfig": 'config A\n\tbool "A"\n', "prj.conf": b"CONFIG_A=y\n\xff\xfe\x00garbage\x80\n"}},
    "binary-garbage-kconfig": {"files": {"Kconfig": b"config A\n\tbool \"A\"\n\xc3\x28\xa0\xa1 junk\n"}},
    "unterminated-string": {"files": {"Kconfig": 'config A\n\tstring "A\n'}},
    "nul-bytes": {"files": {"Kconfig": 'config A\n\tbool "A"\n\x00\x00\n'}},
}
