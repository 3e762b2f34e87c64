/** The node types, by type name. Adding a type: one module here, one line below. */
import type { NodeSpec } from '../node';
import { collectNode } from './collect';
import { conditionNode } from './condition';
import { gotoNode } from './goto';
import { hangupNode } from './hangup';
import { lookupNode } from './lookup';
import { menuNode } from './menu';
import { playNode } from './play';
import { queueNode } from './queue';
import { setNode } from './set';
import { surveyNode } from './survey';
import { timeNode } from './time';
import { transferNode } from './transfer';
import { voicemailNode } from './voicemail';

export const NODE_SPECS = [playNode, menuNode, collectNode, timeNode, conditionNode, lookupNode, setNode, queueNode, transferNode, voicemailNode, surveyNode, gotoNode, hangupNode] as const;

export const NODE_TYPES: ReadonlyMap<string, NodeSpec> = new Map(NODE_SPECS.map((s) => [s.type, s as unknown as NodeSpec]));
